#include "inspect/ext_filesystem.h"

// ext2fs.h brings in com_err.h inside its extern "C" block; com_err.h has none of its own.
#include <ext2fs/ext2fs.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <mutex>

namespace mm::inspect {

// What our io_manager reads: a region of a Disk. A failed disk read is kept here and rethrown once
// libext2fs has returned, so that it surfaces as DiskReadError and not as a filesystem error.
struct ExtFilesystem::Region {
  Disk* disk = nullptr;
  uint64_t start = 0, length = 0;
  std::exception_ptr failure;
};

namespace {

// libext2fs opens a channel by name; the region being opened is handed over here.
thread_local ExtFilesystem::Region* t_opening = nullptr;

ExtFilesystem::Region* region_of(io_channel io) {
  return static_cast<ExtFilesystem::Region*>(io->private_data);
}

errcode_t region_read64(io_channel io, unsigned long long block, int count, void* data) {
  ExtFilesystem::Region* r = region_of(io);
  const uint64_t bs = static_cast<uint64_t>(io->block_size);
  // A negative count is a byte count (libext2fs's convention).
  const uint64_t bytes =
      count < 0 ? static_cast<uint64_t>(-static_cast<int64_t>(count)) : count * bs;
  if (bs == 0 || block > r->length / bs) return EXT2_ET_SHORT_READ;
  const uint64_t offset = block * bs;
  if (bytes > r->length - offset) {
    std::memset(data, 0, bytes);
    return EXT2_ET_SHORT_READ;
  }
  try {
    r->disk->read(r->start + offset, {static_cast<uint8_t*>(data), static_cast<size_t>(bytes)});
  } catch (const DiskReadError&) {
    if (!r->failure) r->failure = std::current_exception();
    return EIO;
  }
  return 0;
}

errcode_t region_read(io_channel io, unsigned long block, int count, void* data) {
  return region_read64(io, block, count, data);
}

errcode_t region_write(io_channel, unsigned long, int, const void*) {
  return EROFS;
}
errcode_t region_write64(io_channel, unsigned long long, int, const void*) {
  return EROFS;
}
errcode_t region_write_byte(io_channel, unsigned long, int, const void*) {
  return EROFS;
}
errcode_t region_flush(io_channel) {
  return 0;
}
errcode_t region_set_option(io_channel, const char*, const char*) {
  return EXT2_ET_INVALID_ARGUMENT;
}

errcode_t region_set_blksize(io_channel io, int size) {
  if (size <= 0) return EXT2_ET_INVALID_ARGUMENT;
  io->block_size = size;
  return 0;
}

errcode_t region_close(io_channel io) {
  if (--io->refcount > 0) return 0;
  std::free(io->name);
  std::free(io);
  return 0;
}

errcode_t region_open(const char* name, int flags, io_channel* channel);

struct_io_manager g_region_manager = {
    .magic = EXT2_ET_MAGIC_IO_MANAGER,
    .name = "mm-inspect region",
    .open = region_open,
    .close = region_close,
    .set_blksize = region_set_blksize,
    .read_blk = region_read,
    .write_blk = region_write,
    .flush = region_flush,
    .write_byte = region_write_byte,
    .set_option = region_set_option,
    .get_stats = nullptr,
    .read_blk64 = region_read64,
    .write_blk64 = region_write64,
    .discard = nullptr,
    .cache_readahead = nullptr,
    .zeroout = nullptr,
    .reserved = {},
};

errcode_t region_open(const char* name, int flags, io_channel* channel) {
  if (t_opening == nullptr || name == nullptr) return EXT2_ET_BAD_DEVICE_NAME;
  if (flags & IO_FLAG_RW) return EROFS;
  auto* io = static_cast<io_channel>(std::calloc(1, sizeof(struct_io_channel)));
  if (io == nullptr) return ENOMEM;
  io->name = strdup(name);
  if (io->name == nullptr) {
    std::free(io);
    return ENOMEM;
  }
  io->magic = EXT2_ET_MAGIC_IO_CHANNEL;
  io->manager = &g_region_manager;
  io->block_size = 1024;
  io->refcount = 1;
  io->private_data = t_opening;
  *channel = io;
  return 0;
}

std::string describe(errcode_t code) {
  static std::once_flag tables;
  std::call_once(tables, [] { initialize_ext2_error_table(); });
  return error_message(code);
}

}  // namespace

ExtFilesystem::ExtFilesystem(Disk& disk, uint64_t start, uint64_t length)
    : region_(std::make_unique<Region>()) {
  region_->disk = &disk;
  region_->start = start;
  region_->length = start < disk.size() ? std::min(length, disk.size() - start) : 0;
  t_opening = region_.get();
  ext2_filsys fs = nullptr;
  // Read-only; checksums are not enforced: a copy taken from a running guest still gets read.
  const errcode_t err = ext2fs_open2(
      "region", nullptr, EXT2_FLAG_64BITS | EXT2_FLAG_SKIP_MMP | EXT2_FLAG_IGNORE_CSUM_ERRORS, 0, 0,
      &g_region_manager, &fs);
  t_opening = nullptr;
  if (region_->failure) {
    if (fs) ext2fs_close_free(&fs);
    std::rethrow_exception(region_->failure);
  }
  if (err) throw ExtFilesystemError("libext2fs cannot open it: " + describe(err));
  fs_ = fs;
}

ExtFilesystem::~ExtFilesystem() {
  ext2_filsys fs = fs_;
  if (fs) ext2fs_close_free(&fs);
}

std::optional<std::string> ExtFilesystem::read_file(const std::string& path, size_t max_bytes) {
  ext2_ino_t ino = 0;
  std::optional<std::string> out;
  const errcode_t found =
      ext2fs_namei_follow(fs_, EXT2_ROOT_INO, EXT2_ROOT_INO, path.c_str(), &ino);
  if (region_->failure) std::rethrow_exception(region_->failure);
  // Missing is an answer; anything else (a damaged directory, a read past the filesystem) is not.
  if (found != 0 && found != EXT2_ET_FILE_NOT_FOUND) {
    throw ExtFilesystemError("cannot look up " + path + ": " + describe(found));
  }
  if (found == 0) {
    ext2_inode inode{};
    ext2_file_t file = nullptr;
    if (ext2fs_read_inode(fs_, ino, &inode) == 0 && LINUX_S_ISREG(inode.i_mode) &&
        ext2fs_file_open(fs_, ino, 0, &file) == 0) {
      std::string text(max_bytes, '\0');
      size_t got = 0;
      while (got < max_bytes) {
        unsigned int n = 0;
        const auto want = static_cast<unsigned int>(std::min<size_t>(max_bytes - got, 1 << 16));
        if (ext2fs_file_read(file, text.data() + got, want, &n) != 0 || n == 0) break;
        got += n;
      }
      ext2fs_file_close(file);
      text.resize(got);
      out = std::move(text);
    }
  }
  if (region_->failure) std::rethrow_exception(region_->failure);
  return out;
}

}  // namespace mm::inspect
