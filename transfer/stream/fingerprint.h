#pragma once
// Certificate fingerprints as the mmt:// stream pins them (defined in tls.cpp; this header keeps
// Asio out of the files that only need to show or check a fingerprint).
#include <string>
#include <string_view>

namespace mm::transfer::stream {

// 64 lowercase hex digits; accepts upper case and ':' separators (openssl x509 -fingerprint).
// Throws std::invalid_argument naming the problem.
std::string normalize_fingerprint(std::string_view text);
// The SHA-256 fingerprint of the certificate in a PEM file. Throws std::runtime_error.
std::string certificate_fingerprint(const std::string& pem_path);

}  // namespace mm::transfer::stream
