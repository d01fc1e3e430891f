#pragma once
// Turns the source's allocation map into the sequence of operations of a copy, in disk order: data
// ranges to read (at most one request each) and zero ranges never read. Every operation starts on a
// 64 KiB leaf boundary (disk_digest.h) so that each read can be hashed leaf by leaf; a leaf that is
// only partly zero is read. The map is fetched one window at a time, so memory stays bounded on any disk.
#include <cstdint>
#include <deque>
#include <vector>

#include "cbt/extent.h"
#include "transfer/endpoint_io.h"

namespace mm::transfer {

struct PlannedOp {
  enum class Kind { kData, kZero };
  Kind kind = Kind::kData;
  uint64_t offset = 0;
  uint64_t length = 0;
};

class CopyPlanner {
 public:
  // Plans [start, size) of `source`; `start` must be leaf-aligned. `only` (sorted, non-overlapping),
  // when given, limits the copy to those extents (widened to whole leaves): a top-up.
  CopyPlanner(SourceReader& source, uint64_t start, uint64_t request_size,
              std::vector<cbt::Extent> only = {}, bool limit_to_only = false);

  // The next operation, or false at the end of the disk.
  bool next(PlannedOp* op);
  uint64_t position() const { return pos_; }

  static constexpr uint64_t kWindow = 1ull << 30;        // bytes mapped per block-status round
  static constexpr uint64_t kMaxZeroOp = 1ull << 30;     // zero ranges are split at 1 GiB

 private:
  void map_next_window();
  bool skip_unselected();

  SourceReader& source_;
  uint64_t size_;
  uint64_t request_size_;
  uint64_t pos_;
  uint64_t mapped_to_;
  std::deque<cbt::Extent> zero_runs_;  // leaf-aligned runs known to read as zero, in [pos_, mapped_to_)
  std::vector<cbt::Extent> only_;
  size_t only_index_ = 0;
  bool limit_to_only_;
};

}  // namespace mm::transfer
