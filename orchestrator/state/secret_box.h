#pragma once
// Encryption of secrets at rest (source passwords, target client keys and tokens): AES-256-GCM
// through OpenSSL EVP with a random 96-bit nonce per value. The 32-byte key lives in a file beside
// the database, mode 0600, so a copy of the database alone (a backup, a bug report) reveals
// nothing.
#include <array>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace mm::state {

class SecretError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class SecretBox {
 public:
  static constexpr size_t kKeySize = 32;

  explicit SecretBox(const std::array<uint8_t, kKeySize>& key) : key_(key) {}

  // Reads the key file, creating it with a fresh random key (mode 0600, O_EXCL) if it is missing.
  // Refuses a key file that others than the owner may read: the key would no longer be secret.
  static SecretBox from_key_file(const std::string& path);
  // A fresh random key that is never stored: for tests and in-memory databases.
  static SecretBox ephemeral();

  // Blob layout: version byte (1) | nonce (12) | ciphertext | tag (16). `context` is bound as
  // additional data so a ciphertext copied into another column fails to open.
  std::vector<uint8_t> seal(std::string_view plaintext, std::string_view context) const;
  // Throws SecretError if the blob was altered, truncated or sealed under another key or context.
  std::string open(const std::vector<uint8_t>& blob, std::string_view context) const;

 private:
  std::array<uint8_t, kKeySize> key_;
};

}  // namespace mm::state
