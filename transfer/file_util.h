#pragma once
// Small helpers shared by the file reader and writer.
#include <cstdint>
#include <string>

namespace mm::transfer {

// Size of an open regular file or block device. Throws std::system_error naming `path`.
uint64_t file_or_device_size(int fd, const std::string& path);
bool is_block_device(int fd);
[[noreturn]] void throw_errno(int err, const std::string& what);

}  // namespace mm::transfer
