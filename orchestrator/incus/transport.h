#pragma once
// One HTTP exchange with an Incus server: HTTPS (Boost.Beast + OpenSSL) with a TLS client
// certificate or an OIDC bearer token, the server pinned by its certificate fingerprint; or plain
// HTTP over Incus's local unix socket ("unix:///var/lib/incus/unix.socket"), which tests and local
// tooling use. Every exchange has a deadline. A connection per request: Incus requests are few and
// long operations are waited on server-side, so keep-alive buys nothing here.
#include <chrono>
#include <memory>
#include <string>

#include "orchestrator/target/target_status.h"

namespace mm::incus {

struct HttpReply {
  int status = 0;
  std::string body;
};

// The parts of an endpoint URL: https://host[:port][/] (port 8443 when absent; IPv6 in brackets)
// or unix://PATH. Throws IncusError (kUnreachable) for anything else.
struct EndpointAddress {
  bool unix_socket = false;
  std::string host;  // without brackets
  std::string port;
  std::string socket_path;
};
EndpointAddress parse_endpoint_url(const std::string& url);

// "AA:BB:..." or "aabb..." -> "aabb..." (lower case, no colons), as the contract stores pins.
std::string normalize_fingerprint(const std::string& fingerprint);

class Transport {
 public:
  // Loads the client certificate (or OIDC tokens) once; throws IncusError on a bad URL, PEM or
  // token.
  explicit Transport(const target::TargetEndpoint& endpoint);
  ~Transport();
  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;

  // `target` is the path with its query ("/1.0/instances?project=p"). Throws IncusError:
  // kUnreachable (connect / TLS / I/O failure; timed_out() when the deadline passed) or
  // kUntrustedCertificate (fingerprint() = the served certificate's).
  HttpReply request(const std::string& method, const std::string& target, const std::string& body,
                    std::chrono::milliseconds timeout);

  // The fingerprint of the certificate the server presented last ("" before any HTTPS exchange).
  const std::string& served_fingerprint() const { return served_fingerprint_; }
  const std::string& url() const { return url_; }

 private:
  struct Tls;
  std::string url_;
  EndpointAddress address_;
  std::string pin_;
  std::string bearer_;
  std::unique_ptr<Tls> tls_;
  std::string served_fingerprint_;
};

}  // namespace mm::incus
