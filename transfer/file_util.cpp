#include "transfer/file_util.h"

#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include <cerrno>
#include <system_error>

namespace mm::transfer {

void throw_errno(int err, const std::string& what) {
  throw std::system_error(err, std::generic_category(), what);
}

bool is_block_device(int fd) {
  struct stat st {};
  return fstat(fd, &st) == 0 && S_ISBLK(st.st_mode);
}

uint64_t file_or_device_size(int fd, const std::string& path) {
  struct stat st {};
  if (fstat(fd, &st) != 0) throw_errno(errno, "stat " + path);
  if (S_ISBLK(st.st_mode)) {
    uint64_t size = 0;
    if (ioctl(fd, BLKGETSIZE64, &size) != 0) throw_errno(errno, "size of block device " + path);
    return size;
  }
  if (!S_ISREG(st.st_mode)) {
    throw std::system_error(EINVAL, std::generic_category(),
                            path + " is neither a regular file nor a block device");
  }
  return static_cast<uint64_t>(st.st_size);
}

}  // namespace mm::transfer
