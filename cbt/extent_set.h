#pragma once
// A set of disk bytes kept as sorted, non-overlapping, non-adjacent (coalesced) extents: the change
// set of a top-up, the allocated map of a first sync. Every operation keeps that canonical form, so
// two sets holding the same bytes compare equal.
//
// Overflow: every byte of a set lies below kMaxEnd (INT64_MAX, the largest disk offset that off_t
// and the vSphere API's xsd:long can express). add() rejects a range ending past it with
// std::out_of_range, so end() never wraps and the operations below need no further checks.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "cbt/extent.h"

namespace mm::cbt {

class ExtentSet {
 public:
  using const_iterator = std::vector<Extent>::const_iterator;

  static constexpr uint64_t kMaxEnd = INT64_MAX;

  ExtentSet() = default;

  // Builds the union of `extents` given in any order, overlapping or not.
  static ExtentSet from_extents(std::span<const Extent> extents);

  // Adds [offset, offset + length) in place. A zero length is a no-op. Appending in increasing
  // order is amortised O(1); an insertion in the middle costs O(size()).
  // Throws std::out_of_range if offset + length > kMaxEnd.
  void add(uint64_t offset, uint64_t length);
  void add(const Extent& e) { add(e.offset, e.length); }

  // Set algebra; each is linear in the sizes of both operands.
  ExtentSet union_with(const ExtentSet& other) const;
  ExtentSet intersection(const ExtentSet& other) const;
  ExtentSet difference(const ExtentSet& other) const;  // bytes of *this not in `other`

  // The bytes below `capacity`.
  ExtentSet clipped(uint64_t capacity) const;
  // Each extent widened to multiples of `block` (its start rounded down, its end up), then merged.
  // Throws std::invalid_argument if block == 0 and std::out_of_range if a rounded end would pass
  // kMaxEnd. Clip afterwards when the disk size is not a multiple of `block`.
  ExtentSet aligned_outward(uint64_t block) const;
  // Extents separated by gaps of at most `max_gap` bytes merged, gaps included: fewer, larger
  // requests for many small changes, at the price of copying the gaps.
  ExtentSet coalesced(uint64_t max_gap) const;

  uint64_t total_bytes() const;
  bool contains(uint64_t offset) const;  // O(log size())
  bool empty() const { return extents_.empty(); }
  size_t size() const { return extents_.size(); }
  const std::vector<Extent>& extents() const { return extents_; }
  const_iterator begin() const { return extents_.begin(); }
  const_iterator end() const { return extents_.end(); }

  friend bool operator==(const ExtentSet&, const ExtentSet&) = default;

 private:
  // Appends [offset, end) where offset >= the start of the last extent; merges with it if touching.
  void append_sorted(uint64_t offset, uint64_t end);

  std::vector<Extent> extents_;
};

}  // namespace mm::cbt
