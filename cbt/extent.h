#pragma once
// One contiguous byte range of a disk. The unit every change source and every copy plan speaks in.
#include <cstdint>

namespace mm::cbt {

struct Extent {
  uint64_t offset = 0;
  uint64_t length = 0;

  uint64_t end() const { return offset + length; }
  friend bool operator==(const Extent&, const Extent&) = default;
};

}  // namespace mm::cbt
