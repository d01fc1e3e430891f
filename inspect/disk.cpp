#include "inspect/disk.h"

#include <cstring>

namespace mm::inspect {

std::optional<std::vector<uint8_t>> read_range(Disk& disk, uint64_t offset, uint64_t length) {
  const uint64_t size = disk.size();
  if (offset > size || length > size - offset) return std::nullopt;
  std::vector<uint8_t> out(static_cast<size_t>(length));
  if (length > 0) disk.read(offset, out);
  return out;
}

void MemoryDisk::read(uint64_t offset, std::span<uint8_t> out) {
  if (offset > bytes_.size() || out.size() > bytes_.size() - offset) {
    throw DiskReadError("read past the end of the disk at offset " + std::to_string(offset));
  }
  if (!out.empty()) std::memcpy(out.data(), bytes_.data() + offset, out.size());
}

}  // namespace mm::inspect
