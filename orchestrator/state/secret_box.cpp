#include "orchestrator/state/secret_box.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

namespace mm::state {
namespace {

constexpr uint8_t kVersion = 1;
constexpr size_t kNonce = 12;
constexpr size_t kTag = 16;

using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

CipherCtx new_ctx() {
  CipherCtx ctx(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
  if (!ctx) throw SecretError("EVP_CIPHER_CTX_new failed");
  return ctx;
}

std::array<uint8_t, SecretBox::kKeySize> random_key() {
  std::array<uint8_t, SecretBox::kKeySize> key{};
  if (RAND_bytes(key.data(), static_cast<int>(key.size())) != 1) {
    throw SecretError("RAND_bytes failed");
  }
  return key;
}

void write_all(int fd, const uint8_t* p, size_t n) {
  while (n > 0) {
    const ssize_t w = ::write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) throw SecretError(std::string("write key file: ") + std::strerror(errno));
    p += w;
    n -= static_cast<size_t>(w);
  }
}

}  // namespace

SecretBox SecretBox::ephemeral() {
  return SecretBox(random_key());
}

SecretBox SecretBox::from_key_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0 && errno == ENOENT) {
    // Write under a temporary name and link it in: a crash never leaves a short key file that
    // would later make every stored secret unreadable.
    const std::string tmp = path + ".tmp";
    ::unlink(tmp.c_str());
    const int wfd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (wfd < 0) throw SecretError("create " + tmp + ": " + std::strerror(errno));
    const auto key = random_key();
    try {
      write_all(wfd, key.data(), key.size());
      if (::fsync(wfd) != 0) throw SecretError(std::string("fsync: ") + std::strerror(errno));
    } catch (...) {
      ::close(wfd);
      throw;
    }
    ::close(wfd);
    if (::link(tmp.c_str(), path.c_str()) != 0 && errno != EEXIST) {
      throw SecretError("link " + path + ": " + std::strerror(errno));
    }
    ::unlink(tmp.c_str());
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  }
  if (fd < 0) throw SecretError("open " + path + ": " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || (st.st_mode & 077) != 0) {
    ::close(fd);
    throw SecretError("key file " + path + " must be readable by its owner only (mode 0600)");
  }
  std::array<uint8_t, kKeySize> key{};
  size_t got = 0;
  while (got < key.size()) {
    const ssize_t r = ::read(fd, key.data() + got, key.size() - got);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    got += static_cast<size_t>(r);
  }
  uint8_t extra = 0;
  const bool longer = ::read(fd, &extra, 1) > 0;
  ::close(fd);
  if (got != key.size() || longer) {
    throw SecretError("key file " + path + " must hold exactly 32 bytes");
  }
  return SecretBox(key);
}

std::vector<uint8_t> SecretBox::seal(std::string_view plaintext, std::string_view context) const {
  std::vector<uint8_t> out(1 + kNonce + plaintext.size() + kTag);
  out[0] = kVersion;
  uint8_t* nonce = out.data() + 1;
  if (RAND_bytes(nonce, kNonce) != 1) throw SecretError("RAND_bytes failed");
  CipherCtx ctx = new_ctx();
  int len = 0;
  if (EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key_.data(), nonce) != 1 ||
      EVP_EncryptUpdate(ctx.get(), nullptr, &len, reinterpret_cast<const uint8_t*>(context.data()),
                        static_cast<int>(context.size())) != 1 ||
      EVP_EncryptUpdate(ctx.get(), out.data() + 1 + kNonce, &len,
                        reinterpret_cast<const uint8_t*>(plaintext.data()),
                        static_cast<int>(plaintext.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), out.data() + 1 + kNonce + len, &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTag,
                          out.data() + 1 + kNonce + plaintext.size()) != 1) {
    throw SecretError("AES-GCM encryption failed");
  }
  return out;
}

std::string SecretBox::open(const std::vector<uint8_t>& blob, std::string_view context) const {
  if (blob.size() < 1 + kNonce + kTag || blob[0] != kVersion) {
    throw SecretError("sealed secret is malformed");
  }
  const size_t n = blob.size() - 1 - kNonce - kTag;
  std::string out(n, '\0');
  CipherCtx ctx = new_ctx();
  int len = 0;
  std::array<uint8_t, kTag> tag{};
  std::memcpy(tag.data(), blob.data() + 1 + kNonce + n, kTag);
  // An empty secret still has to authenticate: point the output at a scratch byte when n == 0.
  uint8_t scratch[16];
  uint8_t* dst = n ? reinterpret_cast<uint8_t*>(out.data()) : scratch;
  if (EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key_.data(), blob.data() + 1) !=
          1 ||
      EVP_DecryptUpdate(ctx.get(), nullptr, &len, reinterpret_cast<const uint8_t*>(context.data()),
                        static_cast<int>(context.size())) != 1 ||
      EVP_DecryptUpdate(ctx.get(), dst, &len, blob.data() + 1 + kNonce, static_cast<int>(n)) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTag, tag.data()) != 1 ||
      EVP_DecryptFinal_ex(ctx.get(), dst + len, &len) != 1) {
    throw SecretError("sealed secret failed authentication");
  }
  return out;
}

}  // namespace mm::state
