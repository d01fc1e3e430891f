#include "cbt/extent_set.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace mm::cbt {
namespace {

void check_range(uint64_t offset, uint64_t length) {
  if (length > ExtentSet::kMaxEnd || offset > ExtentSet::kMaxEnd - length) {
    throw std::out_of_range("extent at offset " + std::to_string(offset) + " of length " +
                            std::to_string(length) + " ends past the largest disk offset (2^63-1)");
  }
}

}  // namespace

ExtentSet ExtentSet::from_extents(std::span<const Extent> extents) {
  std::vector<Extent> sorted;
  sorted.reserve(extents.size());
  for (const Extent& e : extents) {
    check_range(e.offset, e.length);
    if (e.length != 0) sorted.push_back(e);
  }
  std::sort(sorted.begin(), sorted.end(),
            [](const Extent& a, const Extent& b) { return a.offset < b.offset; });
  ExtentSet out;
  out.extents_.reserve(sorted.size());
  for (const Extent& e : sorted) out.append_sorted(e.offset, e.end());
  return out;
}

void ExtentSet::append_sorted(uint64_t offset, uint64_t end) {
  if (!extents_.empty() && offset <= extents_.back().end()) {
    Extent& last = extents_.back();
    if (end > last.end()) last.length = end - last.offset;
    return;
  }
  extents_.push_back(Extent{offset, end - offset});
}

void ExtentSet::add(uint64_t offset, uint64_t length) {
  check_range(offset, length);
  if (length == 0) return;
  const uint64_t end = offset + length;
  // Fast path: at or after the start of the last extent, only the last extent can be touched
  // (every earlier one ends before a gap that precedes it).
  if (extents_.empty() || offset >= extents_.back().offset) {
    append_sorted(offset, end);
    return;
  }
  // First extent that overlaps or touches from the left, and one past the last that does so from
  // the right; everything in [first, last) merges with the new range.
  auto first = std::lower_bound(extents_.begin(), extents_.end(), offset,
                                [](const Extent& e, uint64_t off) { return e.end() < off; });
  auto last = std::upper_bound(first, extents_.end(), end,
                               [](uint64_t stop, const Extent& e) { return stop < e.offset; });
  if (first == last) {
    extents_.insert(first, Extent{offset, length});
    return;
  }
  const uint64_t new_offset = std::min(offset, first->offset);
  const uint64_t new_end = std::max(end, std::prev(last)->end());
  *first = Extent{new_offset, new_end - new_offset};
  extents_.erase(std::next(first), last);
}

ExtentSet ExtentSet::union_with(const ExtentSet& other) const {
  ExtentSet out;
  out.extents_.reserve(extents_.size() + other.extents_.size());
  auto a = extents_.begin();
  auto b = other.extents_.begin();
  while (a != extents_.end() || b != other.extents_.end()) {
    const bool take_a =
        b == other.extents_.end() || (a != extents_.end() && a->offset <= b->offset);
    const Extent& e = take_a ? *a++ : *b++;
    out.append_sorted(e.offset, e.end());
  }
  return out;
}

ExtentSet ExtentSet::intersection(const ExtentSet& other) const {
  ExtentSet out;
  auto a = extents_.begin();
  auto b = other.extents_.begin();
  while (a != extents_.end() && b != other.extents_.end()) {
    const uint64_t lo = std::max(a->offset, b->offset);
    const uint64_t hi = std::min(a->end(), b->end());
    if (lo < hi) out.append_sorted(lo, hi);
    // The extent that ends first can meet nothing further in the other set.
    if (a->end() < b->end()) {
      ++a;
    } else {
      ++b;
    }
  }
  return out;
}

ExtentSet ExtentSet::difference(const ExtentSet& other) const {
  ExtentSet out;
  const std::vector<Extent>& cut = other.extents_;
  size_t j = 0;
  for (const Extent& a : extents_) {
    uint64_t cur = a.offset;
    while (j < cut.size() && cut[j].end() <= cur) ++j;
    // An extent of `cut` may span several extents of *this, so j is not advanced past it here.
    for (size_t k = j; k < cut.size() && cut[k].offset < a.end() && cur < a.end(); ++k) {
      if (cut[k].offset > cur) out.append_sorted(cur, cut[k].offset);
      cur = std::max(cur, cut[k].end());
    }
    if (cur < a.end()) out.append_sorted(cur, a.end());
  }
  return out;
}

ExtentSet ExtentSet::clipped(uint64_t capacity) const {
  ExtentSet out;
  for (const Extent& e : extents_) {
    if (e.offset >= capacity) break;
    out.extents_.push_back(Extent{e.offset, std::min(e.end(), capacity) - e.offset});
  }
  return out;
}

ExtentSet ExtentSet::aligned_outward(uint64_t block) const {
  if (block == 0) throw std::invalid_argument("aligned_outward: block size must not be zero");
  ExtentSet out;
  out.extents_.reserve(extents_.size());
  for (const Extent& e : extents_) {
    const uint64_t start = e.offset - e.offset % block;
    uint64_t end = e.end();
    if (const uint64_t rem = end % block; rem != 0) {
      if (block - rem > kMaxEnd - end) {
        throw std::out_of_range("aligned_outward: extent ending at " + std::to_string(end) +
                                " rounded up to a multiple of " + std::to_string(block) +
                                " passes the largest disk offset (2^63-1)");
      }
      end += block - rem;
    }
    out.append_sorted(start, end);
  }
  return out;
}

ExtentSet ExtentSet::coalesced(uint64_t max_gap) const {
  ExtentSet out;
  out.extents_.reserve(extents_.size());
  for (const Extent& e : extents_) {
    if (!out.extents_.empty() && e.offset - out.extents_.back().end() <= max_gap) {
      out.extents_.back().length = e.end() - out.extents_.back().offset;
    } else {
      out.extents_.push_back(e);
    }
  }
  return out;
}

uint64_t ExtentSet::total_bytes() const {
  uint64_t total = 0;
  for (const Extent& e : extents_) total += e.length;  // < kMaxEnd: disjoint ranges below it
  return total;
}

bool ExtentSet::contains(uint64_t offset) const {
  auto it = std::upper_bound(extents_.begin(), extents_.end(), offset,
                             [](uint64_t off, const Extent& e) { return off < e.offset; });
  return it != extents_.begin() && offset < std::prev(it)->end();
}

}  // namespace mm::cbt
