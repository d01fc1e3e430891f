#include "cli/client.h"

#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cctype>
#include <chrono>
#include <memory>

#include "orchestrator/tls/fingerprint.h"

namespace mm::cli {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

constexpr auto kTimeout = std::chrono::seconds(60);

http::request<http::string_body> make_request(const std::string& method, const std::string& target,
                                              const std::string& host, const std::string& body) {
  http::request<http::string_body> req;
  req.method_string(method);
  req.target(target);
  req.version(11);
  req.set(http::field::host, host);
  req.set(http::field::user_agent, "migration-manager");
  req.set(http::field::content_type, "application/json");
  req.set(http::field::connection, "close");
  req.body() = body;
  req.prepare_payload();
  return req;
}

template <class Stream, class Body>
HttpReply round_trip(Stream& stream, http::request<Body>& req) {
  http::write(stream, req);
  beast::flat_buffer buf;
  http::response_parser<http::string_body> parser;
  parser.body_limit(256 * 1024 * 1024);
  http::read(stream, buf, parser);
  const auto& res = parser.get();
  return {static_cast<int>(res.result_int()), res.body()};
}

std::unique_ptr<X509, decltype(&X509_free)> peer_cert(SSL* ssl) {
  return {SSL_get1_peer_certificate(ssl), &X509_free};
}

std::string cert_pem(X509* cert) {
  BIO* b = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(b, cert);
  char* data = nullptr;
  const long n = BIO_get_mem_data(b, &data);
  std::string pem(data, static_cast<size_t>(n));
  BIO_free(b);
  return pem;
}

// A TLS connection to host:port, handshake done, nothing verified yet.
struct TlsConnection {
  asio::io_context ioc;
  asio::ssl::context ctx{asio::ssl::context::tls_client};
  std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> stream;

  TlsConnection(const std::string& host, const std::string& port, const std::string& cert_file,
                const std::string& key_file) {
    ctx.set_options(asio::ssl::context::no_sslv2 | asio::ssl::context::no_sslv3 |
                    asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1);
    // The chain is self-signed: the fingerprint pin checked after the handshake is the trust.
    ctx.set_verify_mode(asio::ssl::verify_none);
    if (!cert_file.empty()) {
      ctx.use_certificate_chain_file(cert_file);
      ctx.use_private_key_file(key_file, asio::ssl::context::pem);
    }
    stream = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(ioc, ctx);
    std::string h = host;
    if (!h.empty() && h.front() == '[') h = h.substr(1, h.size() - 2);
    SSL_set_tlsext_host_name(stream->native_handle(), h.c_str());
    asio::ip::tcp::resolver resolver(ioc);
    auto& lowest = beast::get_lowest_layer(*stream);
    lowest.expires_after(kTimeout);
    lowest.connect(resolver.resolve(h, port));
    stream->handshake(asio::ssl::stream_base::client);
  }
};

}  // namespace

std::string Endpoint::describe() const {
  return https ? "https://" + host + ":" + port : "unix:" + socket;
}

void parse_https_url(const std::string& url, std::string& host, std::string& port) {
  const std::string scheme = "https://";
  if (url.rfind(scheme, 0) != 0) {
    throw std::invalid_argument("Provided URL \"" + url +
                                "\" is not valid: protocol scheme needs to be https");
  }
  std::string rest = url.substr(scheme.size());
  if (const size_t slash = rest.find('/'); slash != std::string::npos) {
    if (rest.find_first_not_of('/', slash) != std::string::npos) {
      throw std::invalid_argument("Provided URL \"" + url + "\" is not valid: it has a path");
    }
    rest = rest.substr(0, slash);
  }
  size_t colon;
  if (!rest.empty() && rest.front() == '[') {
    const size_t close = rest.find(']');
    if (close == std::string::npos)
      throw std::invalid_argument("Provided URL \"" + url + "\" is not valid");
    host = rest.substr(0, close + 1);
    colon = rest.size() > close + 1 && rest[close + 1] == ':' ? close + 1 : std::string::npos;
  } else {
    colon = rest.rfind(':');
    host = rest.substr(0, colon);
  }
  port = colon == std::string::npos ? "443" : rest.substr(colon + 1);
  if (host.empty() || port.empty() || port.find_first_not_of("0123456789") != std::string::npos) {
    throw std::invalid_argument("Provided URL \"" + url + "\" is not valid");
  }
}

namespace {

// Sends `req` (its host set here) over the endpoint's transport, the server's pin checked first.
template <class Body>
HttpReply send_request(const Endpoint& ep, http::request<Body>& req) {
  try {
    if (!ep.https) {
      asio::io_context ioc;
      beast::basic_stream<asio::local::stream_protocol> stream(ioc);
      stream.expires_after(kTimeout);
      stream.connect(asio::local::stream_protocol::endpoint(ep.socket));
      req.set(http::field::host, "unix.socket");
      return round_trip(stream, req);
    }
    TlsConnection conn(ep.host, ep.port, ep.cert_file, ep.key_file);
    auto cert = peer_cert(conn.stream->native_handle());
    const std::string fp = cert ? tls::fingerprint(cert.get()) : "";
    if (fp.empty() || fp != ep.pinned_fingerprint) {
      throw std::runtime_error("The server certificate of " + ep.describe() +
                               " changed: its SHA256 fingerprint is " + fp + ", expected " +
                               ep.pinned_fingerprint +
                               ". Remove and add the remote again if "
                               "this is expected");
    }
    req.set(http::field::host, ep.host);
    return round_trip(*conn.stream, req);
  } catch (const boost::system::system_error& e) {
    const std::string where = ep.https ? ep.describe() : "the local daemon at " + ep.socket;
    throw std::runtime_error("Failed to connect to " + where + ": " + e.code().message());
  }
}

}  // namespace

HttpReply http_request(const Endpoint& ep, const std::string& method, const std::string& target,
                       const std::string& body) {
  auto req = make_request(method, target, "", body);
  return send_request(ep, req);
}

HttpReply http_upload(const Endpoint& ep, const std::string& target, const std::string& file) {
  http::request<http::file_body> req;
  req.method(http::verb::post);
  req.target(target);
  req.version(11);
  req.set(http::field::user_agent, "migration-manager");
  req.set(http::field::content_type, "application/octet-stream");
  req.set(http::field::connection, "close");
  beast::error_code ec;
  req.body().open(file.c_str(), beast::file_mode::scan, ec);
  if (ec) throw std::runtime_error("Failed to open " + file + ": " + ec.message());
  req.prepare_payload();
  return send_request(ep, req);
}

ServerCertificate fetch_server_certificate(const std::string& host, const std::string& port) {
  try {
    TlsConnection conn(host, port, "", "");
    auto cert = peer_cert(conn.stream->native_handle());
    if (!cert)
      throw std::runtime_error("The server at " + host + ":" + port + " sent no certificate");
    return {cert_pem(cert.get()), tls::fingerprint(cert.get())};
  } catch (const boost::system::system_error& e) {
    throw std::runtime_error("Failed to connect to https://" + host + ":" + port + ": " +
                             e.code().message());
  }
}

namespace {
Json metadata_of(const HttpReply& r);
}  // namespace

Json Client::call(const std::string& method, const std::string& path, const Json* body) const {
  return metadata_of(http_request(ep_, method, "/1.0" + path, body ? body->dump() : ""));
}

Json Client::upload(const std::string& path, const std::string& file) const {
  return metadata_of(http_upload(ep_, "/1.0" + path, file));
}

namespace {
Json metadata_of(const HttpReply& r) {
  Json j = Json::parse(r.body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    throw ServerError("Unexpected answer from the server (HTTP " + std::to_string(r.status) + ")",
                      r.status);
  }
  const bool error =
      j.value("type", "") == "error" || j.value("error_code", 0) != 0 || r.status >= 400;
  if (error) {
    std::string msg =
        j.contains("error") && j["error"].is_string() ? j["error"].get<std::string>() : "";
    if (msg.empty()) msg = "HTTP " + std::to_string(r.status);
    throw ServerError(msg, r.status);
  }
  return j.contains("metadata") ? j["metadata"] : Json();
}

}  // namespace

}  // namespace mm::cli
