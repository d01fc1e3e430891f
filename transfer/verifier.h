#pragma once
// Block-by-block comparison of two disks: reads both wherever either may hold data (ranges that both
// report as zero are not read), compares 4 KiB blocks and reports the differing ranges.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "cbt/extent.h"
#include "transfer/copier.h"
#include "transfer/uri.h"

namespace mm::transfer {

struct VerifyReport {
  uint64_t size_a = 0;
  uint64_t size_b = 0;
  uint64_t bytes_compared = 0;
  uint64_t bytes_skipped = 0;  // zero on both sides, not read
  std::vector<cbt::Extent> mismatches;  // coalesced, 4 KiB granular
  double seconds = 0;
  bool identical() const { return size_a == size_b && mismatches.empty(); }
};

inline constexpr uint64_t kCompareBlock = 4096;

VerifyReport run_verify(const Endpoint& a, const Endpoint& b, const CopyOptions& options);

}  // namespace mm::transfer
