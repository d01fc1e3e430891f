#pragma once
// Turns the source's allocation map into the sequence of operations of a copy, in disk order: data
// ranges to read (at most one request each) and zero ranges never read. Every operation starts on
// an alignment boundary: the 64 KiB leaf (disk_digest.h) for a copy, so that each read can be
// hashed leaf by leaf; 4 KiB for a top-up, which computes no digest and so moves only the changed
// blocks (O_DIRECT needs no more). A block that is only partly zero is read. The map is fetched one
// window at a time, so memory stays bounded on any disk.
#include <cstdint>
#include <deque>
#include <vector>

#include "cbt/extent.h"
#include "transfer/disk_digest.h"
#include "transfer/endpoint_io.h"

namespace mm::transfer {

struct PlannedOp {
  enum class Kind { kData, kZero };
  Kind kind = Kind::kData;
  uint64_t offset = 0;
  uint64_t length = 0;
};

// The alignment of a top-up's operations: the O_DIRECT unit of every target we write (4096 covers
// logical block sizes of 512 and 4096), and the granularity of a top-up's checkpoint frontier.
inline constexpr uint64_t kSyncAlign = 4096;

// `extents` widened to `align` (clamped to `size`), sorted, with overlapping or touching ones
// merged.
std::vector<cbt::Extent> align_extents(std::vector<cbt::Extent> extents, uint64_t align,
                                       uint64_t size);

class CopyPlanner {
 public:
  // Plans [start, size) of `source`; `start` and `request_size` must be multiples of `align` (a
  // power of two dividing kLeafSize). `only`, when given, limits the copy to those extents (widened
  // to `align`): a top-up.
  CopyPlanner(SourceReader& source, uint64_t start, uint64_t request_size,
              std::vector<cbt::Extent> only = {}, bool limit_to_only = false,
              uint64_t align = kLeafSize);

  // The next operation, or false at the end of the disk.
  bool next(PlannedOp* op);
  uint64_t position() const { return pos_; }

  static constexpr uint64_t kWindow = 1ull << 30;     // bytes mapped per block-status round
  static constexpr uint64_t kMaxZeroOp = 1ull << 30;  // zero ranges are split at 1 GiB

 private:
  void map_next_window();
  bool skip_unselected();

  SourceReader& source_;
  uint64_t size_;
  uint64_t request_size_;
  uint64_t align_;
  uint64_t pos_;
  uint64_t mapped_to_;
  std::deque<cbt::Extent> zero_runs_;  // aligned runs known to read as zero, in [pos_, mapped_to_)
  std::vector<cbt::Extent> only_;
  size_t only_index_ = 0;
  bool limit_to_only_;
};

}  // namespace mm::transfer
