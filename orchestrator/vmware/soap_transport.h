#pragma once
// HTTPS transport of vim25 SOAP calls (Boost.Beast + OpenSSL), synchronous with timeouts: the
// daemon calls it from a worker thread. One kept-alive connection, re-opened when the server
// closed it; the `vmware_soap_session` cookie is kept and sent back.
//
// Certificate check: with a pinned fingerprint (SHA-256 of the leaf's DER, any case, colons
// allowed) the served leaf must match it, whoever signed it; without a pin the chain must verify
// against the system CAs and name the host. Anything else throws
// SourceError(kUntrustedCertificate) carrying the served fingerprint (lower-case hex, no colons).
#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "orchestrator/source/source_inventory.h"

namespace mm::vmware {

struct TransportOptions {
  std::chrono::milliseconds connect_timeout{15000};  // TCP connect and TLS handshake
  std::chrono::milliseconds io_timeout{120000};      // one request and its whole reply
  size_t max_reply_bytes = 256u << 20;               // a whole inventory page fits
};

struct HttpReply {
  int status = 0;
  std::string body;
};

// Lower-case hex without colons or spaces: the form pins are compared and reported in.
std::string normalize_fingerprint(std::string_view fingerprint);

// https://host[:port][/path] split up; the path defaults to /sdk. Throws SourceError(kProtocol)
// for anything else.
struct ServerUrl {
  std::string host;  // without brackets for IPv6
  std::string port;  // "443" when absent
  std::string path;
};
ServerUrl parse_server_url(const std::string& url);

class SoapTransport {
 public:
  SoapTransport(const std::string& url, std::string pinned_fingerprint,
                TransportOptions options = {});
  ~SoapTransport();
  SoapTransport(const SoapTransport&) = delete;
  SoapTransport& operator=(const SoapTransport&) = delete;

  // POSTs one SOAP request with `SOAPAction: "urn:vim25/<api_version>"`. Returns the HTTP status
  // and body whatever the status (faults come as 500). Throws SourceError: kUnreachable (connect,
  // timeout, connection lost twice), kUntrustedCertificate, kProtocol (not HTTP).
  HttpReply post(std::string_view api_version, const std::string& body);

  // The session cookie's value, "" before Login.
  const std::string& session_cookie() const;
  void clear_session_cookie();
  // Drops the connection (the next post reconnects).
  void close();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mm::vmware
