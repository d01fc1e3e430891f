#include "orchestrator/tls/identity.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>

#include "orchestrator/tls/fingerprint.h"

namespace mm::tls {
namespace {

using Pkey = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using Cert = std::unique_ptr<X509, decltype(&X509_free)>;
using Bio = std::unique_ptr<BIO, decltype(&BIO_free)>;

[[noreturn]] void fail(const std::string& what) {
  throw std::runtime_error("tls identity: " + what);
}

std::string bio_text(BIO* b) {
  char* p = nullptr;
  const long n = BIO_get_mem_data(b, &p);
  return std::string(p, static_cast<size_t>(n));
}

void add_ext(X509* cert, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (!ext) fail("extension");
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

// Writes through a temp file and rename so a crash never leaves half a key or certificate.
void write_file(const std::string& path, const std::string& data, mode_t mode) {
  const std::string tmp = path + ".tmp";
  ::unlink(tmp.c_str());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) fail("create " + tmp + ": " + std::strerror(errno));
  const bool ok = ::write(fd, data.data(), data.size()) == static_cast<ssize_t>(data.size()) &&
                  ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) fail("write " + path);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void generate(const std::string& cert_path, const std::string& key_path, const std::string& cn) {
  Pkey key(EVP_EC_gen("secp384r1"), &EVP_PKEY_free);
  if (!key) fail("EC key generation");
  Cert cert(X509_new(), &X509_free);
  X509_set_version(cert.get(), 2);
  // A random 159-bit serial: RFC 5280 wants unique positive serials and clients cache by them.
  unsigned char serial[20];
  RAND_bytes(serial, sizeof serial);
  serial[0] &= 0x7f;
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -60 * 60);  // tolerate small clock skew
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 10L * 365 * 24 * 60 * 60);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("migration-manager"), -1, -1,
                             0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  add_ext(cert.get(), NID_basic_constraints, "critical,CA:FALSE");
  add_ext(cert.get(), NID_key_usage, "critical,digitalSignature");
  add_ext(cert.get(), NID_ext_key_usage, "serverAuth,clientAuth");
  add_ext(cert.get(), NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1,IP:::1");
  if (X509_sign(cert.get(), key.get(), EVP_sha384()) == 0) fail("sign");

  Bio kb(BIO_new(BIO_s_mem()), &BIO_free);
  Bio cb(BIO_new(BIO_s_mem()), &BIO_free);
  if (PEM_write_bio_PrivateKey(kb.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1 ||
      PEM_write_bio_X509(cb.get(), cert.get()) != 1) {
    fail("PEM encoding");
  }
  // Key first: a certificate on disk must always have its key beside it.
  write_file(key_path, bio_text(kb.get()), 0600);
  write_file(cert_path, bio_text(cb.get()), 0644);
}

}  // namespace

Identity load_or_create_identity(const std::string& dir, const std::string& common_name) {
  Identity id;
  id.cert_path = dir + "/server.crt";
  id.key_path = dir + "/server.key";
  if (!std::filesystem::exists(id.cert_path) || !std::filesystem::exists(id.key_path)) {
    generate(id.cert_path, id.key_path, common_name);
  }
  id.cert_pem = read_file(id.cert_path);
  id.key_pem = read_file(id.key_path);
  auto fp = pem_fingerprint(id.cert_pem);
  if (!fp) fail(id.cert_path + " holds no certificate");
  id.fingerprint = *fp;
  return id;
}

}  // namespace mm::tls
