#pragma once
// Reads files from an ext2/3/4 filesystem inside a region of a disk, through libext2fs (e2fsprogs)
// and an io_manager of ours that reads through the Disk: any mm-transfer source works, not only
// files.
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include "inspect/disk.h"

struct struct_ext2_filsys;

namespace mm::inspect {

// libext2fs refused the filesystem (unsupported features, damaged metadata).
struct ExtFilesystemError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class ExtFilesystem {
 public:
  // Opens read-only. Throws ExtFilesystemError, or DiskReadError when the disk itself failed.
  ExtFilesystem(Disk& disk, uint64_t start, uint64_t length);
  ~ExtFilesystem();
  ExtFilesystem(const ExtFilesystem&) = delete;
  ExtFilesystem& operator=(const ExtFilesystem&) = delete;

  // The regular file at absolute `path` (symlinks followed inside this filesystem), at most
  // `max_bytes` of it; nullopt when it does not exist or is not a regular file.
  std::optional<std::string> read_file(const std::string& path, size_t max_bytes);

  struct Region;  // what the io_manager reads (ext_filesystem.cpp)

 private:
  std::unique_ptr<Region> region_;
  struct_ext2_filsys* fs_ = nullptr;
};

}  // namespace mm::inspect
