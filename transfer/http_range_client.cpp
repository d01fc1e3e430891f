#include "transfer/http_range_client.h"

#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/socket.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <charconv>
#include <cstring>
#include <limits>
#include <mutex>

namespace mm::transfer {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;

namespace {

bool parse_u64(std::string_view s, uint64_t* out) {
  if (s.empty()) return false;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && end == s.data() + s.size();
}

std::string sha256_hex(X509* cert) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  X509_digest(cert, EVP_sha256(), md, &len);
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < len; ++i) {
    out.push_back(kHex[md[i] >> 4]);
    out.push_back(kHex[md[i] & 15]);
  }
  return out;
}

bool is_ip_literal(const std::string& host) {
  beast::error_code ec;
  net::ip::make_address(host, ec);
  return !ec;
}

}  // namespace

std::optional<ContentRange> parse_content_range(std::string_view v) {
  while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
  while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
  if (!v.starts_with("bytes ")) return std::nullopt;
  v.remove_prefix(6);
  const size_t slash = v.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  std::string_view range = v.substr(0, slash), total = v.substr(slash + 1);
  ContentRange r;
  if (total != "*") {
    uint64_t t = 0;
    if (!parse_u64(total, &t)) return std::nullopt;
    r.total = t;
  }
  if (range == "*") {
    if (!r.total) return std::nullopt;  // `bytes */*` says nothing
    return r;
  }
  const size_t dash = range.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  uint64_t first = 0, last = 0;
  if (!parse_u64(range.substr(0, dash), &first) || !parse_u64(range.substr(dash + 1), &last) ||
      last < first || (r.total && last >= *r.total)) {
    return std::nullopt;
  }
  r.first = first;
  r.last = last;
  return r;
}

HttpError status_error(unsigned status, const std::string& what) {
  const std::string code = "HTTP " + std::to_string(status);
  if (status == 401 || status == 403) {
    return HttpError(HttpError::Kind::kAuth,
                     "the server refused the session cookie for " + what + " (" + code +
                         "): the vSphere session has expired or was never logged in; log in "
                         "again and pass the new vmware_soap_session cookie");
  }
  if (status == 404) {
    return HttpError(HttpError::Kind::kNotFound,
                     "file not found on the datastore (" + code + "): " + what);
  }
  if (status == 416) {
    return HttpError(HttpError::Kind::kProtocol,
                     "range not satisfiable (" + code + ") reading " + what +
                         ": the file is shorter than the disk (did it change?)");
  }
  if (status >= 500 || status == 408 || status == 429) {
    return HttpError(HttpError::Kind::kTransport, "the server answered " + code + " for " + what);
  }
  return HttpError(HttpError::Kind::kProtocol, "unexpected reply " + code + " for " + what);
}

HttpError check_range_reply(const RangeReply& reply, uint64_t offset, uint64_t length,
                            const std::string& what, bool* ok) {
  *ok = false;
  const std::string asked =
      "bytes " + std::to_string(offset) + "-" + std::to_string(offset + length - 1);
  if (reply.status == 200) {
    // A server may answer a range covering the whole file with the whole file.
    if (offset == 0 && reply.content_length && *reply.content_length == length) {
      *ok = true;
      return HttpError(HttpError::Kind::kProtocol, "");
    }
    return HttpError(HttpError::Kind::kProtocol,
                     "the server ignored the Range header reading " + what +
                         " (HTTP 200 instead of 206 Partial Content for " + asked + ")");
  }
  if (reply.status != 206) return status_error(reply.status, what);
  const auto cr = parse_content_range(reply.content_range);
  if (!cr || !cr->first) {
    return HttpError(HttpError::Kind::kProtocol, "HTTP 206 without a usable Content-Range ('" +
                                                     reply.content_range + "') reading " + what);
  }
  if (*cr->first != offset || *cr->last != offset + length - 1) {
    return HttpError(HttpError::Kind::kProtocol, "asked for " + asked + " of " + what +
                                                     ", the server sent " + reply.content_range);
  }
  if (reply.content_length && *reply.content_length != length) {
    return HttpError(HttpError::Kind::kProtocol,
                     "HTTP 206 for " + asked + " of " + what + " announces " +
                         std::to_string(*reply.content_length) + " bytes of body");
  }
  *ok = true;
  return HttpError(HttpError::Kind::kProtocol, "");
}

struct HttpsConnection::Impl {
  HttpsServer server;
  net::io_context ioc;
  ssl::context tls{ssl::context::tls_client};
  std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> stream;
  beast::flat_buffer buffer;
  // A synchronous body read in progress (fd >= 0) and when it must have finished.
  std::mutex stall_mu;
  int fd = -1;
  std::chrono::steady_clock::time_point deadline;
  bool stalled = false;

  std::string where() const { return server.host + ":" + std::to_string(server.port); }

  // Runs one asynchronous operation to completion on this thread; the stream's expiry bounds it.
  template <class Start>
  beast::error_code run(Start start) {
    beast::error_code result = net::error::would_block;
    start([&](beast::error_code ec, auto&&...) { result = ec; });
    ioc.restart();
    ioc.run();
    return result;
  }

  void connect() {
    stream.reset();
    buffer.clear();
    net::ip::tcp::resolver resolver(ioc);
    beast::error_code ec;
    auto endpoints = resolver.resolve(server.host, std::to_string(server.port), ec);
    if (ec) {
      throw HttpError(HttpError::Kind::kTransport,
                      "cannot resolve " + server.host + ": " + ec.message());
    }
    auto s = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(ioc, tls);
    SSL* h = s->native_handle();
    if (is_ip_literal(server.host)) {
      X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(h), server.host.c_str());
    } else {
      SSL_set_tlsext_host_name(h, server.host.c_str());
      SSL_set1_host(h, server.host.c_str());
    }
    beast::get_lowest_layer(*s).expires_after(server.timeout);
    ec = run([&](auto handler) { beast::get_lowest_layer(*s).async_connect(endpoints, handler); });
    if (ec) {
      throw HttpError(HttpError::Kind::kTransport,
                      "cannot connect to " + where() + ": " + ec.message());
    }
    beast::get_lowest_layer(*s).socket().set_option(net::ip::tcp::no_delay(true));
    ec = run([&](auto handler) { s->async_handshake(ssl::stream_base::client, handler); });
    if (ec) {
      throw HttpError(HttpError::Kind::kTransport,
                      "TLS handshake with " + where() + " failed: " + ec.message());
    }
    check_certificate(h);
    stream = std::move(s);
  }

  void check_certificate(SSL* h) {
    X509* cert = SSL_get1_peer_certificate(h);
    if (cert == nullptr) {
      throw HttpError(HttpError::Kind::kUntrusted,
                      "the server at " + where() + " sent no certificate");
    }
    const std::string served = sha256_hex(cert);
    X509_free(cert);
    if (!server.pin.empty()) {
      if (served != server.pin) {
        throw HttpError(HttpError::Kind::kUntrusted,
                        "the certificate of " + where() + " has SHA-256 fingerprint " + served +
                            ", not the trusted " + server.pin + " (check it, then pass --trust " +
                            served + ")",
                        served);
      }
      return;
    }
    const long verify = SSL_get_verify_result(h);
    if (verify != X509_V_OK) {
      throw HttpError(HttpError::Kind::kUntrusted,
                      "the certificate of " + where() + " (SHA-256 " + served +
                          ") is not trusted: " + X509_verify_cert_error_string(verify) +
                          " (pin it with --trust " + served + ")",
                      served);
    }
  }

  http::request<http::empty_body> request(http::verb verb, const std::string& target) const {
    http::request<http::empty_body> req{verb, target, 11};
    req.set(http::field::host, server.host);
    req.set(http::field::user_agent, "mm-transfer");
    req.set(http::field::connection, "keep-alive");
    if (!server.cookie.empty()) req.set(http::field::cookie, server.cookie);
    return req;
  }

  void send(const http::request<http::empty_body>& req, const std::string& what) {
    if (!stream) connect();
    beast::get_lowest_layer(*stream).expires_after(server.timeout);
    beast::error_code ec = run([&](auto handler) { http::async_write(*stream, req, handler); });
    if (ec) {
      stream.reset();
      throw HttpError(HttpError::Kind::kTransport, "sending the request for " + what + " to " +
                                                       where() + " failed: " + ec.message());
    }
  }

  [[noreturn]] void lost(const std::string& what, const beast::error_code& ec) {
    stream.reset();
    throw HttpError(HttpError::Kind::kTransport, "reading the reply for " + what + " from " +
                                                     where() + " failed: " + ec.message());
  }
};

HttpsConnection::HttpsConnection(HttpsServer server) : impl_(std::make_unique<Impl>()) {
  impl_->server = std::move(server);
  if (impl_->server.pin.empty()) {
    impl_->tls.set_default_verify_paths();
  }
  // Verification runs, but its verdict is read after the handshake (to name the fingerprint).
  impl_->tls.set_verify_mode(ssl::verify_none);
}

HttpsConnection::~HttpsConnection() = default;

void HttpsConnection::reset() {
  impl_->stream.reset();
}

void HttpsConnection::check_stall(bool now) {
  Impl& m = *impl_;
  std::lock_guard lock(m.stall_mu);
  if (m.fd >= 0 && (now || std::chrono::steady_clock::now() > m.deadline)) {
    m.stalled = true;
    ::shutdown(m.fd, SHUT_RDWR);  // the blocked read returns; the connection is dropped
  }
}

uint64_t HttpsConnection::size_of(const std::string& target) {
  Impl& m = *impl_;
  const bool fresh = !m.stream;
  m.send(m.request(http::verb::head, target), target);
  if (fresh) ++connects_;
  http::response_parser<http::empty_body> p;
  p.skip(true);  // a HEAD reply has no body whatever Content-Length says
  beast::get_lowest_layer(*m.stream).expires_after(m.server.timeout);
  beast::error_code ec =
      m.run([&](auto handler) { http::async_read(*m.stream, m.buffer, p, handler); });
  if (ec) m.lost(target, ec);
  const auto& res = p.get();
  if (!p.keep_alive()) m.stream.reset();
  const unsigned status = res.result_int();
  if (status != 200) throw status_error(status, target);
  uint64_t size = 0;
  if (auto it = res.find(http::field::content_length);
      it != res.end() &&
      parse_u64(std::string_view(it->value().data(), it->value().size()), &size)) {
    return size;
  }
  // No length on HEAD: ask for one byte and read the total from Content-Range.
  auto req = m.request(http::verb::get, target);
  req.set(http::field::range, "bytes=0-0");
  m.send(req, target);
  http::response_parser<http::string_body> g;
  g.body_limit(1 << 20);
  beast::get_lowest_layer(*m.stream).expires_after(m.server.timeout);
  ec = m.run([&](auto handler) { http::async_read(*m.stream, m.buffer, g, handler); });
  if (ec) m.lost(target, ec);
  if (!g.keep_alive()) m.stream.reset();
  if (g.get().result_int() != 206) throw status_error(g.get().result_int(), target);
  const auto cr = parse_content_range(std::string(g.get()[http::field::content_range]));
  if (!cr || !cr->total) {
    throw HttpError(HttpError::Kind::kProtocol,
                    "the server gives the size of " + target +
                        " neither in Content-Length nor in Content-Range");
  }
  return *cr->total;
}

void HttpsConnection::read_range(const std::string& target, uint64_t offset, uint64_t length,
                                 unsigned char* buf) {
  Impl& m = *impl_;
  if (length == 0) return;
  auto req = m.request(http::verb::get, target);
  req.set(http::field::range,
          "bytes=" + std::to_string(offset) + "-" + std::to_string(offset + length - 1));
  const bool fresh = !m.stream;
  m.send(req, target);
  if (fresh) ++connects_;
  http::response_parser<http::buffer_body> p;
  p.body_limit(std::numeric_limits<std::uint64_t>::max());  // checked against the range below
  beast::get_lowest_layer(*m.stream).expires_after(m.server.timeout);
  beast::error_code ec =
      m.run([&](auto handler) { http::async_read_header(*m.stream, m.buffer, p, handler); });
  if (ec) m.lost(target, ec);
  const auto& res = p.get();
  RangeReply reply;
  reply.status = res.result_int();
  if (auto it = res.find(http::field::content_range); it != res.end()) {
    reply.content_range = std::string(it->value());
  }
  if (p.content_length()) reply.content_length = *p.content_length();
  bool ok = false;
  HttpError problem = check_range_reply(reply, offset, length, target, &ok);
  if (!ok) {
    m.stream.reset();  // the body (if any) is not read: this connection is done
    throw problem;
  }
  uint64_t got = 0;
  while (!p.is_done()) {
    unsigned char scratch[512];
    const bool spare = got >= length;  // more body than asked: caught below
    p.get().body().data = spare ? scratch : buf + got;
    p.get().body().size = spare ? sizeof(scratch) : length - got;
    p.get().body().more = true;
    const size_t before = p.get().body().size;
    // Synchronous reads: the asynchronous machinery (a timer and an epoll round per TLS record)
    // costs more CPU than the decryption. check_stall() bounds them instead.
    beast::get_lowest_layer(*m.stream).expires_never();
    {
      std::lock_guard lock(m.stall_mu);
      m.deadline = std::chrono::steady_clock::now() + m.server.timeout;
      m.fd = beast::get_lowest_layer(*m.stream).socket().native_handle();
    }
    http::read(*m.stream, m.buffer, p, ec);
    {
      std::lock_guard lock(m.stall_mu);
      m.fd = -1;
      if (m.stalled) {
        m.stalled = false;
        ec = beast::error::timeout;
      }
    }
    if (ec == http::error::need_buffer) ec = {};
    got += before - p.get().body().size;
    if (ec) {
      if (ec == http::error::partial_message || ec == http::error::end_of_stream ||
          ec == net::error::eof || ec == ssl::error::stream_truncated) {
        m.stream.reset();
        throw HttpError(HttpError::Kind::kTransport,
                        "short body reading " + target + ": got " + std::to_string(got) + " of " +
                            std::to_string(length) + " bytes at offset " + std::to_string(offset));
      }
      m.lost(target, ec);
    }
  }
  if (got != length) {
    m.stream.reset();
    throw HttpError(got < length ? HttpError::Kind::kTransport : HttpError::Kind::kProtocol,
                    (got < length ? "short body reading " : "too long a body reading ") + target +
                        ": got " + std::to_string(got) + " of " + std::to_string(length) +
                        " bytes at offset " + std::to_string(offset));
  }
  if (!p.keep_alive()) m.stream.reset();
}

}  // namespace mm::transfer
