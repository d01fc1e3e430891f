#include "orchestrator/artifacts/artifact_content.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <memory>
#include <vector>

#include "orchestrator/artifacts/artifact_meta.h"

namespace mm::artifacts {
namespace {

namespace fs = std::filesystem;

constexpr size_t kIsoMagicOffset = 16 * 2048 + 1;  // the primary volume descriptor's "CD001"
constexpr const char* kLibName = "libvixDiskLib.so";

using ArchivePtr = std::unique_ptr<archive, decltype(&archive_read_free)>;

ArchivePtr reader() {
  ArchivePtr a(archive_read_new(), &archive_read_free);
  if (!a) throw std::bad_alloc();
  archive_read_support_filter_gzip(a.get());
  archive_read_support_filter_none(a.get());
  archive_read_support_format_tar(a.get());
  archive_read_support_format_gnutar(a.get());
  return a;
}

// Walks the entries' headers (never their data) looking for libvixDiskLib.so.*.
SdkLayout scan(archive* a, int open_rc) {
  if (open_rc != ARCHIVE_OK) {
    throw ArtifactError(std::string("The SDK file is not a tar archive: ") +
                        (archive_error_string(a) ? archive_error_string(a) : "unreadable"));
  }
  SdkLayout best;
  size_t entries = 0;
  archive_entry* e = nullptr;
  for (;;) {
    const int rc = archive_read_next_header(a, &e);
    if (rc == ARCHIVE_EOF) break;
    if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN) {
      throw ArtifactError(std::string("The SDK tarball is damaged: ") +
                          (archive_error_string(a) ? archive_error_string(a) : "read error"));
    }
    if (++entries > 100000) throw ArtifactError("The SDK tarball has too many entries");
    const char* p = archive_entry_pathname(e);
    if (p == nullptr) continue;
    std::string path = p;
    while (path.starts_with("./")) path.erase(0, 2);
    const size_t slash = path.rfind('/');
    const std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
    const std::string prefix = std::string(kLibName) + ".";
    if (!base.starts_with(prefix) || base.size() == prefix.size()) continue;
    const mode_t type = archive_entry_filetype(e);
    if (type != AE_IFREG && type != AE_IFLNK) continue;
    const std::string version = base.substr(prefix.size());
    if (best.library.empty() || version.size() > best.version.size()) {
      best.version = version;
      if (best.library.empty()) {
        best.library = path;
        best.library_dir = slash == std::string::npos ? "" : path.substr(0, slash);
      }
    }
  }
  if (best.library.empty()) {
    throw ArtifactError(
        "The SDK tarball does not contain libvixDiskLib.so.* (expected VMware's VDDK: "
        "vmware-vix-disklib-distrib/lib64/libvixDiskLib.so.N)");
  }
  return best;
}

}  // namespace

SdkLayout check_sdk_tarball(const std::string& path) {
  ArchivePtr a = reader();
  return scan(a.get(), archive_read_open_filename(a.get(), path.c_str(), 1 << 16));
}

SdkLayout check_sdk_tarball(const void* data, size_t size) {
  ArchivePtr a = reader();
  return scan(a.get(), archive_read_open_memory(a.get(), data, size));
}

bool is_iso9660(const unsigned char* data, size_t size) {
  return size >= kIsoMagicOffset + 5 && std::memcmp(data + kIsoMagicOffset, "CD001", 5) == 0;
}

void check_iso(const std::string& path) {
  std::vector<unsigned char> head(kIsoMagicOffset + 5);
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw ArtifactError("Cannot read the uploaded file");
  const ssize_t n = ::pread(fd, head.data(), head.size(), 0);
  ::close(fd);
  if (n < 0 || !is_iso9660(head.data(), static_cast<size_t>(n))) {
    throw ArtifactError(
        "The driver file is not an ISO 9660 image (no \"CD001\" volume descriptor at sector 16): "
        "upload the virtio-win ISO");
  }
}

void extract_tarball(const std::string& path, const std::string& dest) {
  fs::create_directories(dest);
  ArchivePtr a = reader();
  if (archive_read_open_filename(a.get(), path.c_str(), 1 << 16) != ARCHIVE_OK) {
    throw ArtifactError("Cannot open the SDK tarball to extract it");
  }
  std::unique_ptr<archive, decltype(&archive_write_free)> w(archive_write_disk_new(),
                                                            &archive_write_free);
  // The entry's own path must be relative (checked below: the path written is dest/rel, so
  // libarchive's NOABSOLUTEPATHS cannot be used); SECURE_NODOTDOT refuses "..", SECURE_SYMLINKS
  // writing through a symlink: the extracted tree stays inside dest whatever the tarball says.
  archive_write_disk_set_options(w.get(), ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_PERM |
                                              ARCHIVE_EXTRACT_SECURE_NODOTDOT |
                                              ARCHIVE_EXTRACT_SECURE_SYMLINKS);
  archive_entry* e = nullptr;
  for (;;) {
    const int rc = archive_read_next_header(a.get(), &e);
    if (rc == ARCHIVE_EOF) break;
    if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN) throw ArtifactError("The SDK tarball is damaged");
    const mode_t type = archive_entry_filetype(e);
    if (type != AE_IFREG && type != AE_IFDIR && type != AE_IFLNK) continue;
    if (archive_entry_hardlink(e) != nullptr) continue;
    const std::string rel = archive_entry_pathname(e) ? archive_entry_pathname(e) : "";
    if (rel.empty() || rel.front() == '/') {
      throw ArtifactError("The SDK tarball holds an absolute path: " + rel);
    }
    archive_entry_set_pathname(e, (fs::path(dest) / rel).c_str());
    archive_entry_set_perm(e, archive_entry_perm(e) & 0755);
    if (archive_write_header(w.get(), e) != ARCHIVE_OK) {
      throw ArtifactError(std::string("Cannot extract ") + rel + ": " +
                          (archive_error_string(w.get()) ? archive_error_string(w.get()) : ""));
    }
    if (type == AE_IFREG) {
      const void* buf = nullptr;
      size_t len = 0;
      la_int64_t off = 0;
      for (;;) {
        const int r = archive_read_data_block(a.get(), &buf, &len, &off);
        if (r == ARCHIVE_EOF) break;
        if (r != ARCHIVE_OK) throw ArtifactError("The SDK tarball is damaged at " + rel);
        if (archive_write_data_block(w.get(), buf, len, off) != ARCHIVE_OK) {
          throw ArtifactError("Cannot write " + rel);
        }
      }
    }
    archive_write_finish_entry(w.get());
  }
  archive_write_close(w.get());
}

std::string sha256_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw ArtifactError("Cannot read " + path);
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr);
  std::vector<unsigned char> buf(1 << 20);
  for (;;) {
    const ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0) {
      ::close(fd);
      throw ArtifactError("Cannot read " + path);
    }
    if (n == 0) break;
    EVP_DigestUpdate(ctx.get(), buf.data(), static_cast<size_t>(n));
  }
  ::close(fd);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx.get(), md, &len);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out += hex[md[i] >> 4];
    out += hex[md[i] & 15];
  }
  return out;
}

}  // namespace mm::artifacts
