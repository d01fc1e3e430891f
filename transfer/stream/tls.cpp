#include "transfer/stream/tls.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cstdio>
#include <stdexcept>

namespace mm::transfer::stream {
namespace {

std::string fingerprint_of(X509* cert) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (X509_digest(cert, EVP_sha256(), md, &n) != 1) return {};
  std::string hex;
  char buf[3];
  for (unsigned i = 0; i < n; ++i) {
    snprintf(buf, sizeof buf, "%02x", md[i]);
    hex += buf;
  }
  return hex;
}

}  // namespace

std::string normalize_fingerprint(std::string_view text) {
  std::string hex;
  for (char c : text) {
    if (c == ':') continue;
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      throw std::invalid_argument("fingerprint '" + std::string(text) +
                                  "' is not hex (64 digits of a SHA-256, ':' allowed)");
    }
    hex.push_back(c);
  }
  if (hex.size() != 64) {
    throw std::invalid_argument("fingerprint '" + std::string(text) + "' has " +
                                std::to_string(hex.size()) + " hex digits, a SHA-256 has 64");
  }
  return hex;
}

std::string certificate_fingerprint(const std::string& pem_path) {
  FILE* f = fopen(pem_path.c_str(), "r");
  if (!f) throw std::runtime_error("cannot open the certificate " + pem_path);
  X509* cert = PEM_read_X509(f, nullptr, nullptr, nullptr);
  fclose(f);
  if (!cert) throw std::runtime_error(pem_path + " holds no PEM certificate");
  std::string fp = fingerprint_of(cert);
  X509_free(cert);
  return fp;
}

std::shared_ptr<PeerCheck> configure_tls(asio::ssl::context& ctx, bool server,
                                         const std::string& cert_path, const std::string& key_path,
                                         const std::string& trust) {
  auto check = std::make_shared<PeerCheck>();
  try {
    check->trusted = normalize_fingerprint(trust);
  } catch (const std::invalid_argument& e) {
    throw std::runtime_error(std::string("--trust: ") + e.what());
  }
  SSL_CTX* native = ctx.native_handle();
  // TLS 1.3 only: no renegotiation, no static RSA, forward secrecy always.
  if (SSL_CTX_set_min_proto_version(native, TLS1_3_VERSION) != 1 ||
      SSL_CTX_set_max_proto_version(native, TLS1_3_VERSION) != 1) {
    throw std::runtime_error("this OpenSSL cannot restrict TLS to version 1.3");
  }
  boost::system::error_code ec;
  ctx.use_certificate_chain_file(cert_path, ec);
  if (ec)
    throw std::runtime_error("cannot load the certificate " + cert_path + ": " + ec.message());
  ctx.use_private_key_file(key_path, asio::ssl::context::pem, ec);
  if (ec) throw std::runtime_error("cannot load the private key " + key_path + ": " + ec.message());
  if (SSL_CTX_check_private_key(native) != 1) {
    throw std::runtime_error("the private key " + key_path + " does not match " + cert_path);
  }
  ctx.set_verify_mode(asio::ssl::verify_peer |
                      (server ? asio::ssl::verify_fail_if_no_peer_cert : 0));
  // Pinning: the leaf certificate must be the trusted one; chain and CA checks do not apply (the
  // certificates are self-signed), so they are overridden, and only the fingerprint decides.
  ctx.set_verify_callback([check](bool, asio::ssl::verify_context& vc) {
    X509_STORE_CTX* store = vc.native_handle();
    if (X509_STORE_CTX_get_error_depth(store) > 0) return true;
    X509* cert = X509_STORE_CTX_get_current_cert(store);
    if (!cert) return false;
    check->seen = fingerprint_of(cert);
    check->mismatch = check->seen != check->trusted;
    return !check->mismatch;
  });
  return check;
}

std::string peer_fingerprint(TlsStream& s) {
  X509* cert = SSL_get1_peer_certificate(s.native_handle());
  if (!cert) return {};
  std::string fp = fingerprint_of(cert);
  X509_free(cert);
  return fp;
}

namespace {

// async_read, stamping `activity` at each piece that arrives.
asio::awaitable<void> read_exactly(TlsStream& s, uint8_t* p, size_t n, RxActivity* activity) {
  if (!activity) {
    co_await asio::async_read(s, asio::buffer(p, n), asio::use_awaitable);
    co_return;
  }
  while (n > 0) {
    const size_t got = co_await s.async_read_some(asio::buffer(p, n), asio::use_awaitable);
    activity->last = std::chrono::steady_clock::now();
    p += got;
    n -= got;
  }
}

}  // namespace

asio::awaitable<RawFrame> read_frame(TlsStream& s, RxActivity* activity) {
  RawFrame f;
  uint8_t header[kHeaderSize];
  co_await read_exactly(s, header, kHeaderSize, activity);
  f.header = decode_header({header, kHeaderSize});
  f.payload.resize(f.header.payload_length);
  if (!f.payload.empty()) co_await read_exactly(s, f.payload.data(), f.payload.size(), activity);
  co_return f;
}

asio::awaitable<FrameHeader> read_frame_into(TlsStream& s, std::span<uint8_t> payload,
                                             RxActivity* activity) {
  uint8_t header[kHeaderSize];
  co_await read_exactly(s, header, kHeaderSize, activity);
  const FrameHeader h = decode_header({header, kHeaderSize});
  if (h.payload_length > payload.size()) throw FrameError("payload larger than the read buffer");
  if (h.payload_length > 0) co_await read_exactly(s, payload.data(), h.payload_length, activity);
  co_return h;
}

}  // namespace mm::transfer::stream
