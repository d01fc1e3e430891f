#include "orchestrator/migration/vddk_source.h"

#include <fcntl.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <stdexcept>

#include "common/percent_encoding.h"
#include "orchestrator/artifacts/disk_access.h"
#include "orchestrator/tls/fingerprint.h"
#include "orchestrator/vmware/soap_transport.h"

namespace mm::migration {
namespace {

namespace fs = std::filesystem;

std::string hex_colons(const unsigned char* md, unsigned int len) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    if (i) out += ':';
    out += hex[md[i] >> 4];
    out += hex[md[i] & 15];
  }
  return out;
}

// Written whole to a fresh 0600 file and renamed in: a reader never sees half of it.
void write_credentials(const std::string& path, const std::string& user,
                       const std::string& password) {
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) throw std::runtime_error("cannot write " + tmp);
  const std::string text = user + "\n" + password + "\n";
  const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ::close(fd);
  if (!ok) throw std::runtime_error("cannot write " + tmp);
  fs::rename(tmp, path);
}

}  // namespace

std::string server_sha1_thumbprint(const std::string& endpoint, const std::string& pinned_sha256) {
  const vmware::ServerUrl url = vmware::parse_server_url(endpoint);
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(SSL_CTX_new(TLS_client_method()),
                                                        &SSL_CTX_free);
  // Trust is the pin below (or, without one, what the session's own check accepted).
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);
  const std::string host_port =
      (url.host.find(':') != std::string::npos ? "[" + url.host + "]" : url.host) + ":" + url.port;
  std::unique_ptr<BIO, decltype(&BIO_free_all)> bio(BIO_new_ssl_connect(ctx.get()), &BIO_free_all);
  if (!bio) throw std::runtime_error("TLS setup failed");
  BIO_set_conn_hostname(bio.get(), host_port.c_str());
  SSL* ssl = nullptr;
  BIO_get_ssl(bio.get(), &ssl);
  SSL_set_tlsext_host_name(ssl, url.host.c_str());
  if (BIO_do_connect(bio.get()) <= 0 || BIO_do_handshake(bio.get()) <= 0) {
    throw std::runtime_error("cannot reach " + host_port + " for its certificate thumbprint");
  }
  std::unique_ptr<X509, decltype(&X509_free)> cert(SSL_get1_peer_certificate(ssl), &X509_free);
  if (!cert) throw std::runtime_error(host_port + " sent no certificate");
  if (!pinned_sha256.empty() &&
      tls::fingerprint(cert.get()) != vmware::normalize_fingerprint(pinned_sha256)) {
    throw std::runtime_error("the certificate of " + host_port +
                             " is not the trusted one (its SHA-256 fingerprint changed)");
  }
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  X509_digest(cert.get(), EVP_sha1(), md, &len);
  return hex_colons(md, len);
}

bool set_vddk_source(state::Store& store, const state::SourceRecord& source, const VddkDisk& disk,
                     DiskCopyJob& job) {
  if (disk.artifacts_dir.empty() || source.disk_access == "datastore") return false;
  const auto sdk = artifacts::find_sdk(store, disk.artifacts_dir);
  if (!sdk) {
    // The scheduler keeps such instances Blocked; reaching here means the artifact went away.
    if (source.disk_access == "vddk") {
      throw std::runtime_error("Missing required SDK artifact: source \"" + source.name +
                               "\" reads disks through VDDK");
    }
    return false;
  }
  const vmware::ServerUrl url = vmware::parse_server_url(source.endpoint);
  const std::string host =
      url.host.find(':') != std::string::npos ? "[" + url.host + "]" : url.host;
  std::string uri = "vddk://" + host + (url.port == "443" ? "" : ":" + url.port) +
                    "/?libdir=" + percent_encode(sdk->library_dir) +
                    "&vm=" + percent_encode(disk.vm_moref);
  if (!disk.snapshot.empty()) uri += "&snapshot=" + percent_encode(disk.snapshot);
  uri += "&disk=" + percent_encode(disk.backing) +
         "&thumbprint=" + server_sha1_thumbprint(source.endpoint, source.trusted_fingerprint) +
         "&transports=nbdssl:nbd:hotadd";
  fs::create_directories(disk.work_dir);
  const std::string creds = (fs::path(disk.work_dir) / "vddk-credentials").string();
  write_credentials(creds, source.username, store.source_password(source.name));
  job.source = uri;
  job.extra_args.insert(job.extra_args.end(), {"--vddk-credentials-file", creds});
  return true;
}

}  // namespace mm::migration
