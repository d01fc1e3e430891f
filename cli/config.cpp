#include "cli/config.h"

#include <fcntl.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>

#include <yaml-cpp/yaml.h>

#include "cli/format.h"
#include "orchestrator/tls/fingerprint.h"

namespace mm::cli {
namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Writes `data` to `path` with `mode`, atomically (temporary file, fsync, rename).
void write_file(const std::string& path, const std::string& data, mode_t mode) {
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) throw std::runtime_error("Failed to write " + path + ": " + std::strerror(errno));
  ::fchmod(fd, mode);
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::close(fd);
      throw std::runtime_error("Failed to write " + path + ": " + std::strerror(errno));
    }
    done += static_cast<size_t>(n);
  }
  ::fsync(fd);
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    throw std::runtime_error("Failed to write " + path + ": " + std::strerror(errno));
  }
}

template <class T, void (*F)(T*)>
struct Free {
  void operator()(T* p) const { F(p); }
};
using KeyPtr = std::unique_ptr<EVP_PKEY, Free<EVP_PKEY, EVP_PKEY_free>>;
using CertPtr = std::unique_ptr<X509, Free<X509, X509_free>>;
using BioPtr = std::unique_ptr<BIO, Free<BIO, BIO_free_all>>;

std::string bio_text(BIO* b) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(b, &data);
  return std::string(data, static_cast<size_t>(n));
}

std::string user_at_host() {
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  const std::string user = env("USER").empty() ? "root" : env("USER");
  return user + "@" + host;
}

}  // namespace

std::string default_config_dir() {
  if (!env("MIGRATION_MANAGER_CONF").empty()) return env("MIGRATION_MANAGER_CONF");
  if (!env("XDG_CONFIG_HOME").empty()) return env("XDG_CONFIG_HOME") + "/migration-manager";
  if (!env("HOME").empty()) return env("HOME") + "/.config/migration-manager";
  return "/root/.config/migration-manager";
}

std::string local_socket_path() {
  if (!env("MIGRATION_MANAGER_SOCKET").empty()) return env("MIGRATION_MANAGER_SOCKET");
  if (!env("MIGRATION_MANAGER_DIR").empty()) return env("MIGRATION_MANAGER_DIR") + "/unix.socket";
  return "/var/lib/migration-manager/unix.socket";
}

Config Config::load(const std::string& dir) {
  Config c;
  c.dir = dir;
  const std::string path = dir + "/config.yml";
  if (!std::filesystem::exists(path)) return c;
  try {
    const YAML::Node root = YAML::LoadFile(path);
    if (!root || root.IsNull()) return c;
    if (!root.IsMap()) throw std::runtime_error("not a mapping");
    if (root["default_remote"]) c.default_remote = root["default_remote"].as<std::string>("");
    if (const YAML::Node rs = root["remotes"]; rs && rs.IsMap()) {
      for (const auto& kv : rs) {
        Remote r;
        const YAML::Node v = kv.second;
        if (v["addr"]) r.addr = v["addr"].as<std::string>("");
        if (v["auth_type"]) r.auth_type = v["auth_type"].as<std::string>("tls");
        if (v["server_cert"]) r.server_cert = v["server_cert"].as<std::string>("");
        if (r.auth_type != "tls" && r.auth_type != "oidc" && r.auth_type != "untrusted") {
          throw std::runtime_error("Invalid value for config key auth_type: " + r.auth_type);
        }
        c.remotes[kv.first.as<std::string>()] = r;
      }
    }
  } catch (const YAML::Exception& e) {
    throw std::runtime_error("Failed to read " + path + ": " + e.what());
  } catch (const std::runtime_error& e) {
    throw std::runtime_error("Failed to read " + path + ": " + e.what());
  }
  return c;
}

void Config::save() const {
  std::filesystem::create_directories(dir);
  Json root = Json::object();
  root["default_remote"] = default_remote;
  Json rs = Json::object();
  for (const auto& [name, r] : remotes) {
    rs[name] = {{"addr", r.addr}, {"auth_type", r.auth_type}, {"server_cert", r.server_cert}};
  }
  root["remotes"] = rs;
  write_file(dir + "/config.yml", to_yaml(root), 0644);
}

std::string Config::ensure_client_cert() const {
  std::filesystem::create_directories(dir);
  if (std::filesystem::exists(client_cert_path()) && std::filesystem::exists(client_key_path())) {
    const auto fp = tls::pem_fingerprint(read_file(client_cert_path()));
    if (!fp) throw std::runtime_error("Invalid client certificate " + client_cert_path());
    return *fp;
  }
  KeyPtr key(EVP_EC_gen("P-384"));
  if (!key) throw std::runtime_error("Failed to generate the client key");
  CertPtr cert(X509_new());
  X509_set_version(cert.get(), 2);
  // A random serial, so two clients of one user are told apart by servers that log serials.
  unsigned char serial[16];
  std::ifstream("/dev/urandom", std::ios::binary).read(reinterpret_cast<char*>(serial), 16);
  serial[0] &= 0x7f;
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -60);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 10L * 365 * 24 * 3600);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("migration-manager"), -1, -1,
                             0);
  const std::string cn = user_at_host();
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  if (X509_sign(cert.get(), key.get(), EVP_sha384()) == 0) {
    throw std::runtime_error("Failed to sign the client certificate");
  }
  BioPtr kb(BIO_new(BIO_s_mem()));
  BioPtr cb(BIO_new(BIO_s_mem()));
  PEM_write_bio_PrivateKey(kb.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  PEM_write_bio_X509(cb.get(), cert.get());
  write_file(client_key_path(), bio_text(kb.get()), 0600);
  write_file(client_cert_path(), bio_text(cb.get()), 0644);
  return tls::fingerprint(cert.get());
}

}  // namespace mm::cli
