#pragma once
// The part of a target client the daemon needs to show a target's connectivity status, without
// depending on the Incus client's internals (orchestrator/incus implements it).
#include <stdexcept>
#include <string>

namespace mm::target {

// Where and how to connect. `trusted_fingerprint` is the pinned SHA-256 of the server certificate
// (lower-case hex, no colons); empty: only a certificate the system CAs trust.
struct TargetEndpoint {
  std::string url;              // https://host:8443
  std::string tls_client_cert;  // PEM; empty with OIDC
  std::string tls_client_key;   // PEM
  std::string oidc_tokens;      // JSON text; empty with TLS
  std::string trusted_fingerprint;
  std::string connection_timeout = "5m0s";
};

class TargetError : public std::runtime_error {
 public:
  enum class Kind {
    kUntrustedCertificate,  // status "Confirm TLS fingerprint"; fingerprint() is what was served
    kAuthFailed,            // status "Authentication error": the server does not trust our certificate
    kUnreachable,           // status "Cannot connect"
    kProtocol,              // status "Unknown"
  };
  TargetError(Kind kind, const std::string& what, std::string fingerprint = {})
      : std::runtime_error(what), kind_(kind), fingerprint_(std::move(fingerprint)) {}
  Kind kind() const { return kind_; }
  const std::string& fingerprint() const { return fingerprint_; }

 private:
  Kind kind_;
  std::string fingerprint_;
};

class TargetConnector {
 public:
  virtual ~TargetConnector() = default;
  // Connects, checks the pin and that the server trusts us (auth == "trusted"); throws TargetError.
  virtual void check(const TargetEndpoint& endpoint) = 0;
};

}  // namespace mm::target
