#include "orchestrator/vmware/soap_transport.h"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cctype>
#include <optional>

#include "orchestrator/tls/fingerprint.h"

namespace mm::vmware {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using source::SourceError;

[[noreturn]] void unreachable(const std::string& what) {
  throw SourceError(SourceError::Kind::kUnreachable, what);
}

bool is_ip_literal(const std::string& host) {
  beast::error_code ec;
  net::ip::make_address(host, ec);
  return !ec;
}

// Errors that mean "the server closed the kept-alive connection before our request".
bool is_stale_connection(const beast::error_code& ec) {
  return ec == http::error::end_of_stream || ec == net::error::eof ||
         ec == net::error::connection_reset || ec == net::error::broken_pipe ||
         ec == ssl::error::stream_truncated;
}

}  // namespace

std::string normalize_fingerprint(std::string_view fingerprint) {
  std::string out;
  for (char c : fingerprint) {
    if (c == ':' || c == ' ') continue;
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

ServerUrl parse_server_url(const std::string& url) {
  const auto bad = [&](const std::string& why) -> SourceError {
    return SourceError(SourceError::Kind::kProtocol, "invalid source URL \"" + url + "\": " + why);
  };
  constexpr std::string_view kScheme = "https://";
  if (url.size() < kScheme.size() || url.compare(0, kScheme.size(), kScheme) != 0) {
    throw bad("only https:// is supported");
  }
  std::string rest = url.substr(kScheme.size());
  ServerUrl out;
  const size_t slash = rest.find('/');
  out.path = slash == std::string::npos ? "/sdk" : rest.substr(slash);
  std::string authority = rest.substr(0, slash);
  if (authority.find('@') != std::string::npos) throw bad("credentials belong in the username");
  if (!authority.empty() && authority.front() == '[') {
    const size_t close = authority.find(']');
    if (close == std::string::npos) throw bad("unclosed [");
    out.host = authority.substr(1, close - 1);
    std::string after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') throw bad("junk after ]");
      out.port = after.substr(1);
    }
  } else {
    const size_t colon = authority.rfind(':');
    out.host = authority.substr(0, colon);
    if (colon != std::string::npos) out.port = authority.substr(colon + 1);
  }
  if (out.host.empty()) throw bad("no host");
  if (out.port.empty()) out.port = "443";
  for (char c : out.port) {
    if (c < '0' || c > '9') throw bad("the port is not a number");
  }
  if (out.path == "/") out.path = "/sdk";
  return out;
}

struct SoapTransport::Impl {
  ServerUrl url;
  std::string pin;  // normalized, "" = system CAs
  TransportOptions options;
  net::io_context ioc;
  ssl::context tls{ssl::context::tls_client};
  std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> stream;
  beast::flat_buffer buffer;
  std::string cookie;

  // Runs one asynchronous operation to completion on this thread. The stream's own expiry
  // bounds connects, handshakes, reads and writes; `limit` bounds the rest (name resolution).
  template <class Start>
  beast::error_code run(Start start, std::optional<std::chrono::milliseconds> limit = {},
                        net::ip::tcp::resolver* resolver = nullptr) {
    beast::error_code result = net::error::would_block;
    bool done = false;
    start([&](beast::error_code ec, auto&&...) {
      result = ec;
      done = true;
    });
    ioc.restart();
    if (limit) {
      ioc.run_for(*limit);
      if (!done) {
        if (resolver) resolver->cancel();
        ioc.restart();
        ioc.run();
        return beast::error::timeout;
      }
    } else {
      ioc.run();
    }
    return result;
  }

  std::string where() const { return url.host + ":" + url.port; }

  void connect() {
    stream.reset();
    buffer.clear();
    net::ip::tcp::resolver resolver(ioc);
    net::ip::tcp::resolver::results_type endpoints;
    beast::error_code ec = run(
        [&](auto handler) {
          resolver.async_resolve(url.host, url.port,
                                 [&, handler](beast::error_code e, auto results) mutable {
                                   endpoints = results;
                                   handler(e);
                                 });
        },
        options.connect_timeout, &resolver);
    if (ec) unreachable("cannot resolve " + url.host + ": " + ec.message());

    auto s = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(ioc, tls);
    SSL* ssl_handle = s->native_handle();
    // Hostname (or IP) checked by OpenSSL's verification, whose result is read after the
    // handshake; SNI only for names.
    if (is_ip_literal(url.host)) {
      X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl_handle), url.host.c_str());
    } else {
      SSL_set_tlsext_host_name(ssl_handle, url.host.c_str());
      SSL_set1_host(ssl_handle, url.host.c_str());
    }
    beast::get_lowest_layer(*s).expires_after(options.connect_timeout);
    ec = run([&](auto handler) { beast::get_lowest_layer(*s).async_connect(endpoints, handler); });
    if (ec) unreachable("cannot connect to " + where() + ": " + ec.message());
    beast::get_lowest_layer(*s).expires_after(options.connect_timeout);
    ec = run([&](auto handler) { s->async_handshake(ssl::stream_base::client, handler); });
    if (ec) unreachable("TLS handshake with " + where() + " failed: " + ec.message());
    check_certificate(ssl_handle);
    stream = std::move(s);
  }

  void check_certificate(SSL* ssl_handle) {
    X509* cert = SSL_get1_peer_certificate(ssl_handle);
    if (cert == nullptr) {
      throw SourceError(SourceError::Kind::kUntrustedCertificate,
                        "the server at " + where() + " sent no certificate");
    }
    const std::string served = tls::fingerprint(cert);
    X509_free(cert);
    if (!pin.empty()) {
      if (served != pin) {
        throw SourceError(SourceError::Kind::kUntrustedCertificate,
                          "the certificate of " + where() + " (SHA-256 " + served +
                              ") does not match the trusted fingerprint",
                          served);
      }
      return;
    }
    const long verify = SSL_get_verify_result(ssl_handle);
    if (verify != X509_V_OK) {
      throw SourceError(SourceError::Kind::kUntrustedCertificate,
                        "the certificate of " + where() + " (SHA-256 " + served +
                            ") is not trusted: " + X509_verify_cert_error_string(verify),
                        served);
    }
  }

  void remember_cookie(const http::response<http::string_body>& res) {
    for (const auto& field : res) {
      if (field.name() != http::field::set_cookie) continue;
      const std::string_view v(field.value().data(), field.value().size());
      constexpr std::string_view kName = "vmware_soap_session=";
      if (v.substr(0, kName.size()) != kName) continue;
      const std::string_view rest = v.substr(kName.size());
      cookie = std::string(rest.substr(0, rest.find(';')));
    }
  }

  // One exchange on the current connection; returns the error instead of throwing so that the
  // caller can tell a stale kept-alive connection from a real failure.
  beast::error_code exchange(const http::request<http::string_body>& req, HttpReply& out,
                             bool& got_bytes) {
    got_bytes = false;
    beast::get_lowest_layer(*stream).expires_after(options.io_timeout);
    beast::error_code ec = run([&](auto handler) { http::async_write(*stream, req, handler); });
    if (ec) return ec;
    http::response_parser<http::string_body> parser;
    parser.body_limit(options.max_reply_bytes);
    parser.header_limit(64 * 1024);
    ec = run([&](auto handler) { http::async_read(*stream, buffer, parser, handler); });
    got_bytes = parser.got_some();
    if (ec) return ec;
    const auto& res = parser.get();
    remember_cookie(res);
    out.status = static_cast<int>(res.result_int());
    out.body = res.body();
    if (!res.keep_alive()) stream.reset();
    return {};
  }
};

SoapTransport::SoapTransport(const std::string& url, std::string pinned_fingerprint,
                             TransportOptions options)
    : impl_(std::make_unique<Impl>()) {
  impl_->url = parse_server_url(url);
  impl_->pin = normalize_fingerprint(pinned_fingerprint);
  impl_->options = options;
  impl_->tls.set_default_verify_paths();
  // The handshake always completes; check_certificate decides (pin or CA result).
  impl_->tls.set_verify_mode(ssl::verify_none);
}

SoapTransport::~SoapTransport() = default;

HttpReply SoapTransport::post(std::string_view api_version, const std::string& body) {
  Impl& d = *impl_;
  http::request<http::string_body> req{http::verb::post, d.url.path, 11};
  const bool v6 = d.url.host.find(':') != std::string::npos;
  req.set(http::field::host, (v6 ? "[" + d.url.host + "]" : d.url.host) + ":" + d.url.port);
  req.set(http::field::user_agent, "migration-manager");
  req.set(http::field::content_type, "text/xml; charset=utf-8");
  req.set("SOAPAction", "\"urn:vim25/" + std::string(api_version) + "\"");
  if (!d.cookie.empty()) req.set(http::field::cookie, "vmware_soap_session=" + d.cookie);
  req.keep_alive(true);
  req.body() = body;
  req.prepare_payload();

  for (int attempt = 0;; ++attempt) {
    const bool reused = d.stream != nullptr;
    if (!reused) d.connect();
    HttpReply out;
    bool got_bytes = false;
    const beast::error_code ec = d.exchange(req, out, got_bytes);
    if (!ec) return out;
    d.stream.reset();
    // A kept-alive connection the server closed meanwhile: once more on a fresh one.
    if (reused && attempt == 0 && !got_bytes && is_stale_connection(ec)) continue;
    if (ec == beast::error::timeout) {
      unreachable("no reply from " + d.where() + " within " +
                  std::to_string(d.options.io_timeout.count()) + " ms");
    }
    if (ec == http::error::body_limit) {
      throw SourceError(SourceError::Kind::kProtocol,
                        "the reply of " + d.where() + " exceeds " +
                            std::to_string(d.options.max_reply_bytes) + " bytes");
    }
    if (got_bytes && !is_stale_connection(ec)) {
      throw SourceError(SourceError::Kind::kProtocol,
                        "malformed HTTP reply from " + d.where() + ": " + ec.message());
    }
    unreachable("connection to " + d.where() + " lost: " + ec.message());
  }
}

const std::string& SoapTransport::session_cookie() const {
  return impl_->cookie;
}

void SoapTransport::clear_session_cookie() {
  impl_->cookie.clear();
}

void SoapTransport::close() {
  impl_->stream.reset();
}

}  // namespace mm::vmware
