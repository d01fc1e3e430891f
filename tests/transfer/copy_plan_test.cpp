// The planner turns an allocation map into leaf-aligned data and zero operations. The source here
// is an in-memory disk described by its extents: the planner only ever calls map() and size().
#include "transfer/copy_plan.h"

#include <gtest/gtest.h>

#include <map>

#include "transfer/disk_digest.h"

namespace mm::transfer {
namespace {

constexpr uint64_t kKiB = 1024;
constexpr uint64_t kMiB = 1024 * kKiB;

// A disk whose map is given as (offset -> length) of data runs; everything else reads as zero.
class MappedDisk : public SourceReader {
 public:
  MappedDisk(uint64_t size, std::map<uint64_t, uint64_t> data)
      : size_(size), data_(std::move(data)) {}
  uint64_t size() const override { return size_; }
  void map(uint64_t offset, uint64_t length, const ExtentVisitor& visit) override {
    ++map_calls;
    const uint64_t end = offset + length;
    uint64_t pos = offset;
    while (pos < end) {
      auto it = data_.upper_bound(pos);
      bool in_data = false;
      uint64_t run_end = end;
      if (it != data_.begin()) {
        auto prev = std::prev(it);
        if (pos < prev->first + prev->second) {
          in_data = true;
          run_end = std::min(end, prev->first + prev->second);
        }
      }
      if (!in_data && it != data_.end()) run_end = std::min(end, it->first);
      visit(pos, run_end - pos, !in_data);
      pos = run_end;
    }
  }
  void start_read(IoRequest&) override { FAIL() << "the planner must not read"; }
  unsigned max_in_flight() const override { return 1; }
  std::string describe() const override { return "mapped disk"; }
  int map_calls = 0;

 private:
  uint64_t size_;
  std::map<uint64_t, uint64_t> data_;
};

std::vector<PlannedOp> plan_all(CopyPlanner& planner) {
  std::vector<PlannedOp> ops;
  PlannedOp op;
  while (planner.next(&op)) ops.push_back(op);
  return ops;
}

// Every op leaf-aligned at its start, ops contiguous, and together they cover [start, size).
void expect_tiles(const std::vector<PlannedOp>& ops, uint64_t start, uint64_t size,
                  uint64_t request_size) {
  uint64_t pos = start;
  for (const PlannedOp& op : ops) {
    EXPECT_EQ(op.offset, pos);
    EXPECT_EQ(op.offset % kLeafSize, 0u);
    EXPECT_GT(op.length, 0u);
    if (op.kind == PlannedOp::Kind::kData) {
      EXPECT_LE(op.length, request_size);
    }
    pos = op.offset + op.length;
  }
  EXPECT_EQ(pos, size);
}

TEST(CopyPlan, AllDataIsSplitIntoRequests) {
  MappedDisk disk(4 * kMiB, {{0, 4 * kMiB}});
  CopyPlanner planner(disk, 0, 1 * kMiB);
  const auto ops = plan_all(planner);
  ASSERT_EQ(ops.size(), 4u);
  for (const PlannedOp& op : ops) EXPECT_EQ(op.kind, PlannedOp::Kind::kData);
  expect_tiles(ops, 0, 4 * kMiB, 1 * kMiB);
}

TEST(CopyPlan, ZeroRunsAreNeverRead) {
  MappedDisk disk(8 * kMiB, {{1 * kMiB, 1 * kMiB}, {6 * kMiB, 512 * kKiB}});
  CopyPlanner planner(disk, 0, 256 * kKiB);
  const auto ops = plan_all(planner);
  expect_tiles(ops, 0, 8 * kMiB, 256 * kKiB);
  uint64_t data = 0, zero = 0;
  for (const PlannedOp& op : ops) (op.kind == PlannedOp::Kind::kData ? data : zero) += op.length;
  EXPECT_EQ(data, 1 * kMiB + 512 * kKiB);
  EXPECT_EQ(zero, 8 * kMiB - data);
}

TEST(CopyPlan, APartlyZeroLeafIsRead) {
  // 4 KiB of data inside the second leaf: the whole leaf is read so it can be hashed.
  MappedDisk disk(4 * kLeafSize, {{kLeafSize + 8192, 4096}});
  CopyPlanner planner(disk, 0, 256 * kKiB);
  const auto ops = plan_all(planner);
  expect_tiles(ops, 0, 4 * kLeafSize, 256 * kKiB);
  ASSERT_EQ(ops.size(), 3u);
  EXPECT_EQ(ops[0].kind, PlannedOp::Kind::kZero);
  EXPECT_EQ(ops[1].kind, PlannedOp::Kind::kData);
  EXPECT_EQ(ops[1].offset, kLeafSize);
  EXPECT_EQ(ops[1].length, kLeafSize);
  EXPECT_EQ(ops[2].kind, PlannedOp::Kind::kZero);
}

TEST(CopyPlan, SizeNotAMultipleOfTheLeafEndsExactly) {
  const uint64_t size = 3 * kLeafSize + 1234;
  MappedDisk disk(size, {{0, size}});
  CopyPlanner planner(disk, 0, 2 * kLeafSize);
  const auto ops = plan_all(planner);
  expect_tiles(ops, 0, size, 2 * kLeafSize);
  EXPECT_EQ(ops.back().offset + ops.back().length, size);
}

TEST(CopyPlan, ResumesFromALeafAlignedStart) {
  MappedDisk disk(2 * kMiB, {{0, 2 * kMiB}});
  CopyPlanner planner(disk, 1 * kMiB, 256 * kKiB);
  const auto ops = plan_all(planner);
  expect_tiles(ops, 1 * kMiB, 2 * kMiB, 256 * kKiB);
}

TEST(CopyPlan, LargeDiskIsMappedOneWindowAtATime) {
  // 5 GiB of zeroes: five windows mapped, zero operations capped at 1 GiB, no data.
  const uint64_t size = 5 * CopyPlanner::kWindow;
  MappedDisk disk(size, {});
  CopyPlanner planner(disk, 0, 256 * kKiB);
  const auto ops = plan_all(planner);
  expect_tiles(ops, 0, size, 256 * kKiB);
  for (const PlannedOp& op : ops) {
    EXPECT_EQ(op.kind, PlannedOp::Kind::kZero);
    EXPECT_LE(op.length, CopyPlanner::kMaxZeroOp);
  }
  EXPECT_GE(disk.map_calls, 5);
}

TEST(CopyPlan, OnlyExtentsLimitATopUpToWholeLeaves) {
  MappedDisk disk(16 * kMiB, {{0, 16 * kMiB}});
  // Two changed areas, one unaligned: each widens to the leaves it touches.
  std::vector<cbt::Extent> only = {{1 * kMiB + 100, 10}, {8 * kMiB, 3 * kLeafSize}};
  CopyPlanner planner(disk, 0, 256 * kKiB, only, true);
  const auto ops = plan_all(planner);
  ASSERT_FALSE(ops.empty());
  uint64_t covered = 0;
  for (const PlannedOp& op : ops) {
    EXPECT_EQ(op.kind, PlannedOp::Kind::kData);
    EXPECT_EQ(op.offset % kLeafSize, 0u);
    covered += op.length;
    const bool in_first = op.offset >= 1 * kMiB && op.offset + op.length <= 1 * kMiB + kLeafSize;
    const bool in_second =
        op.offset >= 8 * kMiB && op.offset + op.length <= 8 * kMiB + 3 * kLeafSize;
    EXPECT_TRUE(in_first || in_second) << op.offset << "+" << op.length;
  }
  EXPECT_EQ(covered, 4 * kLeafSize);
}

TEST(CopyPlan, OnlyExtentsOverZeroesBecomeZeroOps) {
  // A changed area that now reads as zero must be zeroed on the target, not skipped.
  MappedDisk disk(4 * kMiB, {});
  std::vector<cbt::Extent> only = {{1 * kMiB, 2 * kLeafSize}};
  CopyPlanner planner(disk, 0, 256 * kKiB, only, true);
  const auto ops = plan_all(planner);
  uint64_t zeroed = 0;
  for (const PlannedOp& op : ops) {
    EXPECT_EQ(op.kind, PlannedOp::Kind::kZero);
    zeroed += op.length;
  }
  EXPECT_EQ(zeroed, 2 * kLeafSize);
}

TEST(CopyPlan, AlignExtentsWidensSortsAndMerges) {
  // Out of order, overlapping, touching once widened, one reaching past the end, one empty.
  const std::vector<cbt::Extent> in = {
      {20 * kKiB, 1}, {4 * kKiB + 1, 100}, {8 * kKiB, 4 * kKiB}, {0, 0}, {40 * kKiB - 10, 100}};
  const auto out = align_extents(in, kSyncAlign, 42 * kKiB);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0], (cbt::Extent{4 * kKiB, 8 * kKiB}));  // [4K,8K) and [8K,12K) touch: one run
  EXPECT_EQ(out[1], (cbt::Extent{20 * kKiB, 4 * kKiB}));
  EXPECT_EQ(out[2], (cbt::Extent{36 * kKiB, 6 * kKiB}));  // clamped at the disk's end
}

TEST(CopyPlan, ATopUpAlignedTo4KiBMovesOnlyTheChangedBlocks) {
  // The widening to 64 KiB leaves serves the digest, which a top-up does not compute: at 4 KiB,
  // a 4 KiB change costs 4 KiB, not 64.
  MappedDisk disk(16 * kMiB, {{0, 12 * kMiB}});
  std::vector<cbt::Extent> only = {{1 * kMiB + 4 * kKiB, 4 * kKiB},
                                   {2 * kMiB + 100, 10},  // unaligned: widens to its 4 KiB block
                                   {3 * kMiB, 600 * kKiB},
                                   {12 * kMiB - 8 * kKiB, 16 * kKiB}};  // half data, half zero
  CopyPlanner planner(disk, 0, 256 * kKiB, only, true, kSyncAlign);
  const auto ops = plan_all(planner);
  uint64_t data = 0, zero = 0;
  for (const PlannedOp& op : ops) {
    EXPECT_EQ(op.offset % kSyncAlign, 0u);
    EXPECT_EQ(op.length % kSyncAlign, 0u);
    EXPECT_LE(op.length, 256 * kKiB);
    (op.kind == PlannedOp::Kind::kData ? data : zero) += op.length;
  }
  EXPECT_EQ(data, 4 * kKiB + 4 * kKiB + 600 * kKiB + 8 * kKiB);
  EXPECT_EQ(zero, 8 * kKiB);
  ASSERT_FALSE(ops.empty());
  EXPECT_EQ(ops.front().offset, 1 * kMiB + 4 * kKiB);
  EXPECT_EQ(ops.back().offset + ops.back().length, 12 * kMiB + 8 * kKiB);
}

TEST(CopyPlan, ATopUpResumesInsideAnAreaAtA4KiBFrontier) {
  // A checkpoint of a top-up may fall inside a changed area, on any 4 KiB block: the resumed plan
  // starts exactly there and skips every area below it.
  MappedDisk disk(8 * kMiB, {{0, 8 * kMiB}});
  std::vector<cbt::Extent> only = {
      {4 * kKiB, 8 * kKiB}, {1 * kMiB, 300 * kKiB}, {5 * kMiB, 4 * kKiB}};
  const uint64_t frontier = 1 * kMiB + 36 * kKiB;
  CopyPlanner planner(disk, frontier, 256 * kKiB, only, true, kSyncAlign);
  const auto ops = plan_all(planner);
  ASSERT_FALSE(ops.empty());
  EXPECT_EQ(ops.front().offset, frontier);
  uint64_t covered = 0;
  for (const PlannedOp& op : ops) covered += op.length;
  EXPECT_EQ(covered, (1 * kMiB + 300 * kKiB - frontier) + 4 * kKiB);
  EXPECT_EQ(ops.back().offset, 5 * kMiB);
}

}  // namespace
}  // namespace mm::transfer
