#pragma once
// One client connection: read a request, answer it, repeat while the client keeps the connection
// alive. A template over the stream so HTTPS and the unix socket share one implementation; only
// http_server.cpp includes this (Beast headers are slow to compile).
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "orchestrator/api/router.h"
#include "orchestrator/daemon/log.h"

namespace mm::daemon {

namespace beast = boost::beast;
namespace http = boost::beast::http;

// Decides per request whether the client is trusted: the unix socket always, HTTPS by fingerprint.
using TrustCheck = std::function<bool()>;

inline constexpr auto kIoTimeout = std::chrono::seconds(30);
// An artifact upload (a VDDK tarball, a driver ISO, an OS image) is streamed to disk; past this it
// is refused.
inline constexpr uint64_t kMaxUploadBytes = uint64_t{64} << 30;

template <class Derived>
class Session {
 public:
  Session(api::Router& router, const char* transport) : router_(router), transport_(transport) {}
  void hold_slot(std::shared_ptr<void> slot) { slot_ = std::move(slot); }

 protected:
  Derived& self() { return static_cast<Derived&>(*this); }

  // The header first: its method and target decide whether the body goes to memory (every API
  // object, at most kMaxBodyBytes) or is streamed to a file (an artifact upload).
  void do_read() {
    header_parser_.emplace();
    header_parser_->header_limit(64 * 1024);
    // Beast checks Content-Length against the limit while parsing the header: allow an upload's
    // here, and hold every other body to kMaxBodyBytes in on_header.
    header_parser_->body_limit(kMaxUploadBytes);
    // buffer_ is not cleared: it may already hold the next pipelined request.
    beast::get_lowest_layer(self().stream()).expires_after(kIoTimeout);
    http::async_read_header(
        self().stream(), buffer_, *header_parser_,
        [s = self().shared_from_this()](beast::error_code ec, std::size_t) { s->on_header(ec); });
  }

  void on_header(beast::error_code ec) {
    if (ec) return on_read(ec);
    const auto& h = header_parser_->get();
    std::optional<std::string> spool;
    // Untrusted clients never get a byte written to disk.
    if (self().trusted()) {
      spool = router_.upload_spool_path(std::string(h.method_string()), std::string(h.target()));
    }
    if (spool) {
      upload_parser_.emplace(std::move(*header_parser_));
      upload_parser_->body_limit(kMaxUploadBytes);
      beast::error_code fec;
      upload_parser_->get().body().open(spool->c_str(), beast::file_mode::write, fec);
      if (fec) {
        return send(api::error_response(500, "cannot store the upload"), false, "-", "-");
      }
      spool_path_ = *spool;
      return read_upload();
    }
    const auto length = header_parser_->content_length();
    if (length && *length > api::kMaxBodyBytes) return on_read(http::error::body_limit);
    parser_.emplace(std::move(*header_parser_));
    // Beast stops reading at the limit and reports body_limit: a huge body never sits in memory.
    parser_->body_limit(api::kMaxBodyBytes);
    beast::get_lowest_layer(self().stream()).expires_after(kIoTimeout);
    http::async_read(
        self().stream(), buffer_, *parser_,
        [s = self().shared_from_this()](beast::error_code ec, std::size_t) { s->on_read(ec); });
  }

  // Piece by piece, the deadline renewed for each: a big upload may take longer than kIoTimeout,
  // a stalled one may not.
  void read_upload() {
    beast::get_lowest_layer(self().stream()).expires_after(kIoTimeout);
    http::async_read_some(
        self().stream(), buffer_, *upload_parser_,
        [s = self().shared_from_this()](beast::error_code ec, std::size_t) { s->on_upload(ec); });
  }

  void on_upload(beast::error_code ec) {
    if (!ec && !upload_parser_->is_done()) return read_upload();
    http::request<http::file_body> req = upload_parser_->release();
    req.body().close();
    const std::string spooled = std::move(spool_path_);
    spool_path_.clear();
    if (ec) {
      std::error_code rm;
      std::filesystem::remove(spooled, rm);
      return on_read(ec);
    }
    api::Request r;
    r.method = std::string(req.method_string());
    r.target = std::string(req.target());
    r.body_file = spooled;
    r.trusted = true;
    const api::Response resp = router_.handle(r);
    std::error_code rm;
    std::filesystem::remove(spooled, rm);  // moved away when accepted
    send(resp, req.keep_alive(), r.method, r.target);
  }

  void on_read(beast::error_code ec) {
    // The client went away (or never finished its request): nobody is left to answer.
    if (ec == http::error::end_of_stream || ec == http::error::partial_message ||
        ec == beast::error::timeout || ec == boost::asio::error::operation_aborted ||
        ec == boost::asio::error::eof || ec == boost::asio::error::connection_reset) {
      return self().close();
    }
    if (ec == http::error::body_limit) {
      // An untrusted client learns nothing, not even the size limit.
      return send(self().trusted() ? api::error_response(413, "request body too large")
                                   : api::error_response(
                                         403, "not authorized: client certificate is not trusted"),
                  false, "-", "-");
    }
    if (ec) {
      return send(api::error_response(400, "malformed HTTP request"), false, "-", "-");
    }
    http::request<http::string_body> req = parser_->release();
    api::Request r;
    r.method = std::string(req.method_string());
    r.target = std::string(req.target());
    r.body = std::move(req.body());
    r.trusted = self().trusted();
    send(router_.handle(r), req.keep_alive(), r.method, r.target);
  }

  void send(const api::Response& resp, bool keep_alive, const std::string& method,
            const std::string& target) {
    log_line(std::string(transport_) + " " + method + " " + target + " " +
             std::to_string(resp.status));
    auto res = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(resp.status), 11);
    res->set(http::field::server, "migration-managerd");
    res->set(http::field::content_type, "application/json");
    for (const auto& [k, v] : resp.headers) res->set(k, v);
    res->body() = resp.body;
    res->keep_alive(keep_alive);
    res->prepare_payload();
    beast::get_lowest_layer(self().stream()).expires_after(kIoTimeout);
    http::async_write(self().stream(), *res,
                      [s = self().shared_from_this(), res](beast::error_code ec, std::size_t) {
                        if (ec || !res->keep_alive()) return s->close();
                        s->do_read();
                      });
  }

  api::Router& router_;
  const char* transport_;
  std::shared_ptr<void> slot_;  // releases this connection's place in the server's limit
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::empty_body>> header_parser_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<http::request_parser<http::file_body>> upload_parser_;
  std::string spool_path_;  // the upload being received
};

// HTTPS: TLS handshake first; trust is the client certificate's fingerprint in the store.
class TlsSession : public Session<TlsSession>, public std::enable_shared_from_this<TlsSession> {
 public:
  TlsSession(boost::asio::ip::tcp::socket&& socket, boost::asio::ssl::context& ctx,
             api::Router& router, std::function<bool(const std::string&)> is_trusted);
  void run();
  beast::ssl_stream<beast::tcp_stream>& stream() { return stream_; }
  bool trusted();
  void close();

 private:
  friend class Session<TlsSession>;
  beast::ssl_stream<beast::tcp_stream> stream_;
  std::function<bool(const std::string&)> is_trusted_;
  std::string fingerprint_;  // of the client's certificate, "" without one
};

using UnixStream = beast::basic_stream<boost::asio::local::stream_protocol>;

// The unix socket: no TLS; whoever can open the socket file is trusted.
class UnixSession : public Session<UnixSession>, public std::enable_shared_from_this<UnixSession> {
 public:
  UnixSession(boost::asio::local::stream_protocol::socket&& socket, api::Router& router)
      : Session<UnixSession>(router, "unix"), stream_(std::move(socket)) {}
  void run() { do_read(); }
  UnixStream& stream() { return stream_; }
  bool trusted() { return true; }
  void close() {
    beast::error_code ec;
    stream_.socket().shutdown(boost::asio::local::stream_protocol::socket::shutdown_both, ec);
  }

 private:
  friend class Session<UnixSession>;
  UnixStream stream_;
};

}  // namespace mm::daemon
