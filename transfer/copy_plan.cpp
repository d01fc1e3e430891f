#include "transfer/copy_plan.h"

#include <algorithm>
#include <cassert>

#include "transfer/disk_digest.h"

namespace mm::transfer {
namespace {

uint64_t round_up(uint64_t v, uint64_t a) {
  return (v + a - 1) / a * a;
}
uint64_t round_down(uint64_t v, uint64_t a) {
  return v / a * a;
}

}  // namespace

std::vector<cbt::Extent> align_extents(std::vector<cbt::Extent> extents, uint64_t align,
                                       uint64_t size) {
  for (auto& e : extents) {
    const uint64_t end = std::min(size, round_up(e.offset + e.length, align));
    e.offset = std::min(size, round_down(e.offset, align));
    e.length = end > e.offset ? end - e.offset : 0;
  }
  std::sort(extents.begin(), extents.end(),
            [](const cbt::Extent& a, const cbt::Extent& b) { return a.offset < b.offset; });
  // Merged, neighbours become one run of requests instead of two short ones.
  std::vector<cbt::Extent> merged;
  for (const auto& e : extents) {
    if (e.length == 0) continue;
    if (!merged.empty() && e.offset <= merged.back().end()) {
      merged.back().length = std::max(merged.back().end(), e.end()) - merged.back().offset;
    } else {
      merged.push_back(e);
    }
  }
  return merged;
}

CopyPlanner::CopyPlanner(SourceReader& source, uint64_t start, uint64_t request_size,
                         std::vector<cbt::Extent> only, bool limit_to_only, uint64_t align)
    : source_(source),
      size_(source.size()),
      request_size_(request_size),
      align_(align),
      pos_(start),
      mapped_to_(start),
      only_(align_extents(std::move(only), align, size_)),
      limit_to_only_(limit_to_only) {
  assert(align > 0 && (align & (align - 1)) == 0 && kLeafSize % align == 0);
  assert(start % align == 0 || start == size_);
  assert(request_size % align == 0 && request_size > 0);
}

void CopyPlanner::map_next_window() {
  const uint64_t from = mapped_to_;
  const uint64_t to = std::min(size_, from + kWindow);
  uint64_t run_start = 0, run_end = 0;
  bool in_run = false;
  auto flush_run = [&] {
    if (!in_run) return;
    in_run = false;
    // Only whole aligned blocks count as zero (the disk's last one may be short).
    const uint64_t s = round_up(run_start, align_);
    const uint64_t e = run_end == size_ ? size_ : round_down(run_end, align_);
    if (e > s) zero_runs_.push_back({s, e - s});
  };
  source_.map(from, to - from, [&](uint64_t off, uint64_t len, bool zero) {
    if (zero && in_run && off == run_end) {
      run_end += len;  // adjacent zero extents (hole, then zero) form one run
    } else if (zero) {
      flush_run();
      in_run = true;
      run_start = off;
      run_end = off + len;
    } else {
      flush_run();
    }
  });
  flush_run();
  mapped_to_ = to;
}

// With a selection, jumps pos_ to the next selected extent. Returns false when none is left.
bool CopyPlanner::skip_unselected() {
  if (!limit_to_only_) return true;
  while (only_index_ < only_.size() && only_[only_index_].end() <= pos_) ++only_index_;
  if (only_index_ == only_.size()) {
    pos_ = size_;
    return false;
  }
  if (only_[only_index_].offset > pos_) {
    pos_ = only_[only_index_].offset;
    // Forget the map behind the new position; re-map from there if we jumped past it.
    while (!zero_runs_.empty() && zero_runs_.front().end() <= pos_) zero_runs_.pop_front();
    if (mapped_to_ < pos_) {
      zero_runs_.clear();
      mapped_to_ = pos_;
    }
  }
  return true;
}

bool CopyPlanner::next(PlannedOp* op) {
  if (pos_ >= size_ || !skip_unselected()) return false;
  if (mapped_to_ <= pos_) map_next_window();
  while (!zero_runs_.empty() && zero_runs_.front().end() <= pos_) zero_runs_.pop_front();

  uint64_t limit = std::min(size_, mapped_to_);
  if (limit_to_only_) limit = std::min(limit, only_[only_index_].end());

  if (!zero_runs_.empty() && zero_runs_.front().offset <= pos_) {
    const cbt::Extent& run = zero_runs_.front();
    const uint64_t end = std::min({run.end(), limit, pos_ + kMaxZeroOp});
    *op = {PlannedOp::Kind::kZero, pos_, end - pos_};
  } else {
    uint64_t end = std::min(limit, pos_ + request_size_);
    if (!zero_runs_.empty()) end = std::min(end, zero_runs_.front().offset);
    *op = {PlannedOp::Kind::kData, pos_, end - pos_};
  }
  assert(op->length > 0);
  pos_ += op->length;
  return true;
}

}  // namespace mm::transfer
