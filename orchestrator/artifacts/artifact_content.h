#pragma once
// What an uploaded file must be, checked before it is kept: a VDDK SDK is a tarball (gzip or not)
// holding libvixDiskLib.so.*; a driver artifact is an ISO 9660 image ("CD001" at sector 16). The
// tar is read with libarchive, entry headers only, so a huge or hostile archive costs a listing.
#include <cstddef>
#include <cstdint>
#include <string>

namespace mm::artifacts {

struct SdkLayout {
  std::string library;      // "vmware-vix-disklib-distrib/lib64/libvixDiskLib.so.8"
  std::string library_dir;  // "vmware-vix-disklib-distrib/lib64"
  std::string version;      // the longest suffix seen: "8.0.3" (libvixDiskLib.so.8.0.3), or "8"
};

// Throws ArtifactError with the message the user sees.
SdkLayout check_sdk_tarball(const std::string& path);
SdkLayout check_sdk_tarball(const void* data, size_t size);  // the fuzzer's entry
void check_iso(const std::string& path);
bool is_iso9660(const unsigned char* data, size_t size);  // the first 32 KiB + 6 bytes at least

// Extracts a checked tarball into `dest` (created), refusing absolute paths, ".." and links that
// leave `dest`; regular files, directories and symlinks only.
void extract_tarball(const std::string& path, const std::string& dest);

// SHA-256 of a file, lower-case hex, read in 1 MiB pieces.
std::string sha256_file(const std::string& path);

}  // namespace mm::artifacts
