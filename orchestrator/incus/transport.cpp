#include "orchestrator/incus/transport.h"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <nlohmann/json.hpp>

#include <cctype>

#include "orchestrator/incus/error.h"
#include "orchestrator/tls/fingerprint.h"

namespace mm::incus {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using Kind = target::TargetError::Kind;
using Clock = std::chrono::steady_clock;

namespace {

constexpr size_t kBodyLimit = 64u << 20;  // Incus replies are small; a runaway server is an error

[[noreturn]] void unreachable(const std::string& url, const std::string& what,
                              bool timed_out = false) {
  throw IncusError(Kind::kUnreachable, "Cannot connect to " + url + ": " + what, 0, timed_out);
}

// Runs the context until the started operation completes; the stream's deadline bounds it.
void run(asio::io_context& ioc) {
  ioc.restart();
  ioc.run();
}

// Writes the request and reads the reply on a connected (and, for HTTPS, verified) stream.
template <class Stream, class Lowest>
HttpReply exchange(asio::io_context& ioc, Stream& stream, Lowest& lowest,
                   http::request<http::string_body>& req, Clock::time_point deadline,
                   const std::string& url) {
  beast::error_code ec = asio::error::would_block;
  lowest.expires_at(deadline);
  http::async_write(stream, req, [&](beast::error_code e, size_t) { ec = e; });
  run(ioc);
  if (ec) unreachable(url, "sending the request: " + ec.message(), ec == beast::error::timeout);

  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(kBodyLimit);
  ec = asio::error::would_block;
  lowest.expires_at(deadline);
  http::async_read(stream, buffer, parser, [&](beast::error_code e, size_t) { ec = e; });
  run(ioc);
  if (ec == beast::error::timeout) {
    unreachable(url,
                "no reply in time for " + std::string(req.method_string()) + " " +
                    std::string(req.target()),
                true);
  }
  if (ec) unreachable(url, "reading the reply: " + ec.message());
  return HttpReply{static_cast<int>(parser.get().result_int()), std::move(parser.get().body())};
}

bool is_ip_literal(const std::string& host) {
  beast::error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

}  // namespace

struct Transport::Tls {
  ssl::context ctx{ssl::context::tls_client};
};

EndpointAddress parse_endpoint_url(const std::string& url) {
  EndpointAddress a;
  auto bad = [&](const std::string& why) -> IncusError {
    return IncusError(Kind::kUnreachable, "Invalid endpoint URL \"" + url + "\": " + why);
  };
  if (url.rfind("unix://", 0) == 0) {
    a.unix_socket = true;
    a.socket_path = url.substr(7);
    if (a.socket_path.empty() || a.socket_path[0] != '/')
      throw bad("unix:// needs an absolute path");
    return a;
  }
  if (url.rfind("https://", 0) != 0) throw bad("must start with https:// (or unix://)");
  std::string rest = url.substr(8);
  if (auto slash = rest.find('/'); slash != std::string::npos) {
    if (rest.find_first_not_of('/', slash) != std::string::npos) throw bad("no path allowed");
    rest.resize(slash);
  }
  if (!rest.empty() && rest[0] == '[') {
    const auto close = rest.find(']');
    if (close == std::string::npos) throw bad("unclosed [");
    a.host = rest.substr(1, close - 1);
    rest = rest.substr(close + 1);
    if (!rest.empty() && rest[0] != ':') throw bad("junk after ]");
    a.port = rest.empty() ? "" : rest.substr(1);
  } else {
    const auto colon = rest.rfind(':');
    a.host = rest.substr(0, colon);
    a.port = colon == std::string::npos ? "" : rest.substr(colon + 1);
  }
  if (a.port.empty()) a.port = "8443";
  if (a.host.empty()) throw bad("no host");
  for (char c : a.port) {
    if (!std::isdigit(static_cast<unsigned char>(c))) throw bad("port must be a number");
  }
  if (a.port.size() > 5 || std::stoi(a.port) == 0 || std::stoi(a.port) > 65535) {
    throw bad("port out of range");
  }
  return a;
}

std::string normalize_fingerprint(const std::string& fingerprint) {
  std::string out;
  for (char c : fingerprint) {
    if (c != ':') out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

Transport::Transport(const target::TargetEndpoint& endpoint)
    : url_(endpoint.url),
      address_(parse_endpoint_url(endpoint.url)),
      pin_(normalize_fingerprint(endpoint.trusted_fingerprint)) {
  if (!endpoint.oidc_tokens.empty()) {
    // The reference stores the OIDC token set as JSON ({"access_token": ..., "refresh_token":
    // ...}); the access token goes in the Authorization header.
    auto tokens = nlohmann::json::parse(endpoint.oidc_tokens, nullptr, false);
    if (!tokens.is_object() || !tokens.contains("access_token") ||
        !tokens["access_token"].is_string() || tokens["access_token"].get<std::string>().empty()) {
      throw IncusError(Kind::kAuthFailed,
                       "oidc_tokens: must be a JSON object with a non-empty \"access_token\"");
    }
    bearer_ = tokens["access_token"].get<std::string>();
  }
  if (address_.unix_socket) return;
  tls_ = std::make_unique<Tls>();
  auto& ctx = tls_->ctx;
  ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                  ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  beast::error_code ec;
  ctx.set_default_verify_paths(ec);  // only used when nothing is pinned
  // Verification runs during the handshake but never aborts it: the certificate is judged after,
  // so an untrusted server's fingerprint can be reported for the user to pin.
  ctx.set_verify_mode(ssl::verify_none);
  if (!endpoint.tls_client_cert.empty() || !endpoint.tls_client_key.empty()) {
    ctx.use_certificate_chain(asio::buffer(endpoint.tls_client_cert), ec);
    if (ec)
      throw IncusError(Kind::kAuthFailed,
                       "tls_client_cert: not a PEM certificate: " + ec.message());
    ctx.use_private_key(asio::buffer(endpoint.tls_client_key), ssl::context::pem, ec);
    if (ec)
      throw IncusError(Kind::kAuthFailed, "tls_client_key: not a PEM private key: " + ec.message());
    if (SSL_CTX_check_private_key(ctx.native_handle()) != 1) {
      throw IncusError(Kind::kAuthFailed, "tls_client_key does not match tls_client_cert");
    }
  }
}

Transport::~Transport() = default;

HttpReply Transport::request(const std::string& method, const std::string& target,
                             const std::string& body, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  http::request<http::string_body> req{http::string_to_verb(method), target, 11};
  if (req.method() == http::verb::unknown) throw std::invalid_argument("HTTP method " + method);
  const bool v6 = address_.host.find(':') != std::string::npos;
  req.set(http::field::host,
          address_.unix_socket
              ? std::string("incus")
              : (v6 ? "[" + address_.host + "]" : address_.host) + ":" + address_.port);
  req.set(http::field::user_agent, "migration-manager");
  req.set(http::field::accept, "application/json");
  if (!bearer_.empty()) req.set(http::field::authorization, "Bearer " + bearer_);
  if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
    req.set(http::field::content_type, "application/json");
    req.body() = body;
  }
  req.prepare_payload();

  asio::io_context ioc;
  beast::error_code ec = asio::error::would_block;
  if (address_.unix_socket) {
    beast::basic_stream<asio::local::stream_protocol> stream(ioc);
    stream.expires_at(deadline);
    stream.async_connect(asio::local::stream_protocol::endpoint(address_.socket_path),
                         [&](beast::error_code e) { ec = e; });
    run(ioc);
    if (ec) unreachable(url_, ec.message(), ec == beast::error::timeout);
    return exchange(ioc, stream, stream, req, deadline, url_);
  }

  tcp::resolver resolver(ioc);
  tcp::resolver::results_type endpoints;
  resolver.async_resolve(address_.host, address_.port,
                         [&](beast::error_code e, tcp::resolver::results_type r) {
                           ec = e;
                           endpoints = std::move(r);
                         });
  ioc.run_for(timeout);
  if (ec == asio::error::would_block) {
    resolver.cancel();
    run(ioc);
    unreachable(url_, "resolving " + address_.host + " timed out", true);
  }
  if (ec) unreachable(url_, "resolving " + address_.host + ": " + ec.message());

  beast::ssl_stream<beast::tcp_stream> stream(ioc, tls_->ctx);
  SSL* ssl = stream.native_handle();
  if (is_ip_literal(address_.host)) {
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), address_.host.c_str());
  } else {
    SSL_set_tlsext_host_name(ssl, address_.host.c_str());
    X509_VERIFY_PARAM_set1_host(SSL_get0_param(ssl), address_.host.c_str(), 0);
  }
  auto& lowest = beast::get_lowest_layer(stream);
  lowest.expires_at(deadline);
  ec = asio::error::would_block;
  lowest.async_connect(endpoints, [&](beast::error_code e, const tcp::endpoint&) { ec = e; });
  run(ioc);
  if (ec) unreachable(url_, ec.message(), ec == beast::error::timeout);

  ec = asio::error::would_block;
  lowest.expires_at(deadline);
  stream.async_handshake(ssl::stream_base::client, [&](beast::error_code e) { ec = e; });
  run(ioc);
  if (ec) unreachable(url_, "TLS handshake: " + ec.message(), ec == beast::error::timeout);

  X509* peer = SSL_get1_peer_certificate(ssl);
  if (peer == nullptr) {
    throw IncusError(Kind::kUntrustedCertificate, "Server at " + url_ + " sent no certificate");
  }
  served_fingerprint_ = tls::fingerprint(peer);
  X509_free(peer);
  if (!pin_.empty()) {
    if (served_fingerprint_ != pin_) {
      throw IncusError(Kind::kUntrustedCertificate,
                       "Server certificate fingerprint " + served_fingerprint_ +
                           " does not match the trusted fingerprint " + pin_,
                       0, false, served_fingerprint_);
    }
  } else if (const long result = SSL_get_verify_result(ssl); result != X509_V_OK) {
    throw IncusError(Kind::kUntrustedCertificate,
                     "Server certificate is not trusted (" +
                         std::string(X509_verify_cert_error_string(result)) +
                         "); its fingerprint is " + served_fingerprint_,
                     0, false, served_fingerprint_);
  }
  return exchange(ioc, stream, lowest, req, deadline, url_);
}

}  // namespace mm::incus
