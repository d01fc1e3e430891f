// ExtentSet against a plain bitmap model: every operation on thousands of random small sets,
// checked byte for byte, plus the canonical form (sorted, non-empty, non-adjacent extents).
#include "cbt/extent_set.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <stdexcept>
#include <vector>

namespace mm::cbt {
namespace {

constexpr uint64_t kDisk = 512;  // bytes in the model
constexpr int kCases = 3000;

using Bitmap = std::vector<bool>;

// The model lives at `base`: 0, and a base just below kMaxEnd to exercise large offsets.
struct Model {
  uint64_t base;
  Bitmap bits;
};

void expect_canonical(const ExtentSet& s) {
  const auto& v = s.extents();
  for (size_t i = 0; i < v.size(); ++i) {
    ASSERT_GT(v[i].length, 0u) << "empty extent " << i;
    ASSERT_LE(v[i].offset, ExtentSet::kMaxEnd - v[i].length);
    if (i > 0) {
      ASSERT_GT(v[i].offset, v[i - 1].end()) << "extents " << i - 1 << "," << i;
    }
  }
}

// The canonical set of a bitmap (runs of set bits).
ExtentSet from_bits(const Bitmap& bits, uint64_t base) {
  ExtentSet s;
  for (uint64_t i = 0; i < bits.size();) {
    if (!bits[i]) {
      ++i;
      continue;
    }
    uint64_t j = i;
    while (j < bits.size() && bits[j]) ++j;
    s.add(base + i, j - i);
    i = j;
  }
  return s;
}

void expect_matches(const ExtentSet& s, const Bitmap& bits, uint64_t base) {
  expect_canonical(s);
  // The canonical form is unique, so equality of sets is equality of bytes.
  ASSERT_EQ(s, from_bits(bits, base));
}

class Random {
 public:
  explicit Random(uint64_t seed) : rng_(seed) {}
  uint64_t below(uint64_t n) { return std::uniform_int_distribution<uint64_t>(0, n - 1)(rng_); }

  // A random set as (extents in random order, possibly overlapping, zero lengths included) and
  // its bitmap.
  std::vector<Extent> extents(Bitmap& bits) {
    std::vector<Extent> out;
    const uint64_t count = below(14);
    for (uint64_t i = 0; i < count; ++i) {
      const uint64_t off = below(kDisk);
      const uint64_t max_len = std::min<uint64_t>(kDisk - off, below(3) == 0 ? 200 : 24);
      const uint64_t len = below(max_len + 1);
      out.push_back(Extent{off, len});
      for (uint64_t b = off; b < off + len; ++b) bits[b] = true;
    }
    return out;
  }

 private:
  std::mt19937_64 rng_;
};

class ExtentSetModelTest : public ::testing::TestWithParam<uint64_t> {
 protected:
  uint64_t base() const { return GetParam(); }

  // A random operand built with add() in the generated (unsorted) order.
  ExtentSet random_set(Random& r, Bitmap& bits) {
    bits.assign(kDisk, false);
    ExtentSet s;
    for (const Extent& e : r.extents(bits)) s.add(base() + e.offset, e.length);
    return s;
  }
};

TEST_P(ExtentSetModelTest, AddOneByOneMatchesModel) {
  Random r(1);
  for (int c = 0; c < kCases; ++c) {
    Bitmap bits(kDisk, false);
    ExtentSet s;
    for (const Extent& e : r.extents(bits)) {
      s.add(base() + e.offset, e.length);
      expect_canonical(s);
    }
    ASSERT_NO_FATAL_FAILURE(expect_matches(s, bits, base())) << "case " << c;
  }
}

TEST_P(ExtentSetModelTest, FromExtentsMatchesModel) {
  Random r(2);
  for (int c = 0; c < kCases; ++c) {
    Bitmap bits(kDisk, false);
    std::vector<Extent> v = r.extents(bits);
    for (Extent& e : v) e.offset += base();
    ASSERT_NO_FATAL_FAILURE(expect_matches(ExtentSet::from_extents(v), bits, base())) << c;
  }
}

TEST_P(ExtentSetModelTest, UnionIntersectionDifferenceMatchModel) {
  Random r(3);
  for (int c = 0; c < kCases; ++c) {
    Bitmap a_bits, b_bits;
    const ExtentSet a = random_set(r, a_bits);
    const ExtentSet b = random_set(r, b_bits);
    Bitmap u(kDisk), i(kDisk), d(kDisk);
    for (uint64_t k = 0; k < kDisk; ++k) {
      u[k] = a_bits[k] || b_bits[k];
      i[k] = a_bits[k] && b_bits[k];
      d[k] = a_bits[k] && !b_bits[k];
    }
    ASSERT_NO_FATAL_FAILURE(expect_matches(a.union_with(b), u, base())) << "union, case " << c;
    ASSERT_NO_FATAL_FAILURE(expect_matches(a.intersection(b), i, base())) << "inter, case " << c;
    ASSERT_NO_FATAL_FAILURE(expect_matches(a.difference(b), d, base())) << "diff, case " << c;
    ASSERT_EQ(a.union_with(b), b.union_with(a));
    ASSERT_EQ(a.intersection(b), b.intersection(a));
  }
}

TEST_P(ExtentSetModelTest, ClippedMatchesModel) {
  Random r(4);
  for (int c = 0; c < kCases; ++c) {
    Bitmap bits;
    const ExtentSet s = random_set(r, bits);
    const uint64_t cap = r.below(kDisk + 1);
    for (uint64_t k = cap; k < kDisk; ++k) bits[k] = false;
    ASSERT_NO_FATAL_FAILURE(expect_matches(s.clipped(base() + cap), bits, base())) << c;
  }
}

TEST_P(ExtentSetModelTest, AlignedOutwardMatchesModel) {
  Random r(5);
  for (int c = 0; c < kCases; ++c) {
    Bitmap bits;
    const ExtentSet s = random_set(r, bits);
    // Block sizes dividing the model's base and size keep the model's edges aligned; others
    // (3, 7, 48) are checked against absolute offsets below.
    const uint64_t blocks[] = {1, 2, 4, 8, 16, 64, 128, 512};
    const uint64_t block = blocks[r.below(std::size(blocks))];
    Bitmap want(kDisk, false);
    for (uint64_t k = 0; k < kDisk; ++k) {
      if (!bits[k]) continue;
      const uint64_t start = k - k % block;
      for (uint64_t b = start; b < start + block; ++b) want[b] = true;
    }
    ASSERT_NO_FATAL_FAILURE(expect_matches(s.aligned_outward(block), want, base()))
        << "block " << block << ", case " << c;
  }
}

TEST_P(ExtentSetModelTest, AlignedOutwardToOddBlocks) {
  Random r(6);
  for (int c = 0; c < kCases; ++c) {
    Bitmap bits;
    const ExtentSet s = random_set(r, bits);
    const uint64_t block = 1 + r.below(50);
    const ExtentSet got = s.aligned_outward(block);
    expect_canonical(got);
    // Bytes are checked by absolute offset: byte x is in the result iff its block [x - x%block,
    // + block) holds a byte of s. ones[k] counts the set bits below model byte k.
    std::vector<uint64_t> ones(kDisk + 1, 0);
    for (uint64_t k = 0; k < kDisk; ++k) ones[k + 1] = ones[k] + bits[k];
    const auto count_below = [&](uint64_t x) {  // set bytes at absolute offsets < x
      return x <= base() ? 0 : ones[std::min(x - base(), kDisk)];
    };
    const uint64_t lo = base() >= 64 ? base() - 64 : 0;
    for (uint64_t x = lo; x < base() + kDisk + 64; ++x) {
      const uint64_t start = x - x % block;
      const bool want = count_below(start + block) > count_below(start);
      ASSERT_EQ(got.contains(x), want) << "byte " << x << " block " << block << " case " << c;
    }
  }
}

TEST_P(ExtentSetModelTest, CoalescedMatchesModel) {
  Random r(7);
  for (int c = 0; c < kCases; ++c) {
    Bitmap bits;
    const ExtentSet s = random_set(r, bits);
    const uint64_t max_gap = r.below(40);
    // Fill every run of clear bits of length <= max_gap that has set bits on both sides.
    Bitmap want = bits;
    int64_t last_set = -1;
    for (uint64_t k = 0; k < kDisk; ++k) {
      if (!bits[k]) continue;
      if (last_set >= 0 && k - static_cast<uint64_t>(last_set) - 1 <= max_gap) {
        for (uint64_t g = static_cast<uint64_t>(last_set) + 1; g < k; ++g) want[g] = true;
      }
      last_set = static_cast<int64_t>(k);
    }
    ASSERT_NO_FATAL_FAILURE(expect_matches(s.coalesced(max_gap), want, base()))
        << "gap " << max_gap << ", case " << c;
  }
}

TEST_P(ExtentSetModelTest, TotalBytesContainsAndIterationMatchModel) {
  Random r(8);
  for (int c = 0; c < kCases; ++c) {
    Bitmap bits;
    const ExtentSet s = random_set(r, bits);
    uint64_t count = 0;
    for (uint64_t k = 0; k < kDisk; ++k) {
      count += bits[k];
      ASSERT_EQ(s.contains(base() + k), bits[k]) << "byte " << k << " case " << c;
    }
    ASSERT_EQ(s.total_bytes(), count);
    ASSERT_EQ(s.empty(), count == 0);
    uint64_t iterated = 0;
    for (const Extent& e : s) iterated += e.length;
    ASSERT_EQ(iterated, count);
    ASSERT_EQ(s.size(), s.extents().size());
  }
}

INSTANTIATE_TEST_SUITE_P(Bases, ExtentSetModelTest,
                         ::testing::Values(uint64_t{0}, ExtentSet::kMaxEnd + 1 - 1024),
                         [](const auto& info) { return info.param == 0 ? "Low" : "NearMax"; });

TEST(ExtentSet, ZeroLengthIsANoOp) {
  ExtentSet s;
  s.add(10, 0);
  EXPECT_TRUE(s.empty());
  s.add(ExtentSet::kMaxEnd, 0);
  EXPECT_TRUE(s.empty());
}

TEST(ExtentSet, AdjacentExtentsMerge) {
  ExtentSet s;
  s.add(0, 10);
  s.add(20, 10);
  s.add(10, 10);
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s.extents()[0], (Extent{0, 30}));
}

TEST(ExtentSet, RangesPastTheLargestOffsetAreRejected) {
  ExtentSet s;
  s.add(ExtentSet::kMaxEnd - 1, 1);  // the last byte is fine
  EXPECT_TRUE(s.contains(ExtentSet::kMaxEnd - 1));
  EXPECT_THROW(s.add(ExtentSet::kMaxEnd, 1), std::out_of_range);
  EXPECT_THROW(s.add(UINT64_MAX, 1), std::out_of_range);
  EXPECT_THROW(s.add(1, UINT64_MAX), std::out_of_range);
  EXPECT_THROW(s.add(UINT64_MAX - 5, 10), std::out_of_range);  // would wrap to 4
  const Extent wrapping[] = {{0, 1}, {UINT64_MAX, 2}};
  EXPECT_THROW(ExtentSet::from_extents(wrapping), std::out_of_range);
  EXPECT_EQ(s.size(), 1u);
  EXPECT_FALSE(s.contains(UINT64_MAX));
}

TEST(ExtentSet, AlignedOutwardPastTheLargestOffsetThrows) {
  ExtentSet s;
  s.add(ExtentSet::kMaxEnd - 10, 10);
  EXPECT_THROW(s.aligned_outward(4096), std::out_of_range);
  EXPECT_THROW(s.aligned_outward(0), std::invalid_argument);
  EXPECT_EQ(s.aligned_outward(1), s);
}

TEST(ExtentSet, CoalescedWithHugeGapMergesEverything) {
  ExtentSet s;
  s.add(0, 1);
  s.add(ExtentSet::kMaxEnd - 1, 1);
  const ExtentSet all = s.coalesced(UINT64_MAX);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all.extents()[0], (Extent{0, ExtentSet::kMaxEnd}));
  EXPECT_EQ(s.coalesced(0), s);
}

TEST(ExtentSet, ClippedAtZeroAndBeyond) {
  ExtentSet s;
  s.add(100, 100);
  EXPECT_TRUE(s.clipped(0).empty());
  EXPECT_TRUE(s.clipped(100).empty());
  EXPECT_EQ(s.clipped(150).total_bytes(), 50u);
  EXPECT_EQ(s.clipped(UINT64_MAX), s);
}

TEST(ExtentSet, DifferenceWithOneCutSpanningSeveralExtents) {
  ExtentSet a, b;
  a.add(0, 10);
  a.add(20, 10);
  a.add(40, 10);
  a.add(60, 10);
  b.add(5, 50);  // eats the end of the first, all of the second and third... up to 55
  const ExtentSet d = a.difference(b);
  const std::vector<Extent> want = {{0, 5}, {60, 10}};
  EXPECT_EQ(d.extents(), want);
}

TEST(ExtentSet, InOrderAppendIsFast) {
  // A million in-order adds (what a block-status walk produces) must stay linear.
  ExtentSet s;
  for (uint64_t i = 0; i < 1'000'000; ++i) s.add(i * 128, 64);
  EXPECT_EQ(s.size(), 1'000'000u);
  EXPECT_EQ(s.total_bytes(), 64'000'000u);
}

}  // namespace
}  // namespace mm::cbt
