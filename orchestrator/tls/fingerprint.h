#pragma once
// Certificate fingerprints as the reference tool and Incus print them: SHA-256 over the DER
// encoding, 64 lower-case hex digits, no separators.
#include <openssl/x509.h>

#include <optional>
#include <string>

namespace mm::tls {

std::string fingerprint(X509* cert);
// The fingerprint of the first certificate in a PEM text; nullopt if there is none.
std::optional<std::string> pem_fingerprint(const std::string& pem);

}  // namespace mm::tls
