#pragma once
// The daemon's own TLS identity: a self-signed certificate (EC P-384, valid 10 years) generated on
// first start and kept in the state directory, so clients that pinned its fingerprint keep
// trusting it across restarts.
#include <string>

namespace mm::tls {

struct Identity {
  std::string cert_pem;
  std::string key_pem;
  std::string fingerprint;
  std::string cert_path;
  std::string key_path;
};

// Loads DIR/server.crt and DIR/server.key, generating both when the certificate is missing. The
// key file is created mode 0600.
Identity load_or_create_identity(const std::string& dir, const std::string& common_name);

}  // namespace mm::tls
