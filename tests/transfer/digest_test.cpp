#include <gtest/gtest.h>
#include <xxhash.h>

#include <random>
#include <vector>

#include "transfer/disk_digest.h"

namespace mm::transfer {
namespace {

// The definition of docs/digest.md, written out plainly over a whole in-memory disk.
std::string reference_digest(const std::vector<unsigned char>& disk) {
  std::vector<uint64_t> leaves;
  for (size_t off = 0; off < disk.size(); off += kLeafSize) {
    leaves.push_back(XXH3_64bits(disk.data() + off, std::min<size_t>(kLeafSize, disk.size() - off)));
  }
  std::vector<XXH128_canonical_t> segments;
  for (size_t i = 0; i < leaves.size(); i += kLeavesPerSegment) {
    const size_t n = std::min<size_t>(kLeavesPerSegment, leaves.size() - i);
    XXH128_canonical_t c;
    XXH128_canonicalFromHash(&c, XXH3_128bits(leaves.data() + i, n * 8));
    segments.push_back(c);
  }
  XXH128_canonical_t out;
  XXH128_canonicalFromHash(&out, XXH3_128bits_withSeed(segments.data(), segments.size() * 16,
                                                       disk.size()));
  char hex[33];
  for (int i = 0; i < 16; ++i) snprintf(hex + 2 * i, 3, "%02x", out.digest[i]);
  return hex;
}

std::vector<unsigned char> sparse_disk(size_t size, unsigned seed) {
  std::vector<unsigned char> disk(size, 0);
  std::mt19937 rng(seed);
  for (size_t off = 0; off < size; off += 4096) {
    if (rng() % 3 == 0) {
      for (size_t i = off; i < std::min(size, off + 4096); ++i) disk[i] = static_cast<unsigned char>(rng());
    }
  }
  return disk;
}

// Feeds the accumulator the way the copier does: data in requests of `request` bytes, all-zero
// leaves through the fast path.
std::string engine_digest(const std::vector<unsigned char>& disk, size_t request) {
  DigestAccumulator acc(disk.size());
  std::vector<uint64_t> hashes(request / kLeafSize + 1);
  for (size_t off = 0; off < disk.size(); off += request) {
    const size_t n = std::min(request, disk.size() - off);
    bool all_zero = true;
    for (size_t i = 0; i < n && all_zero; ++i) all_zero = disk[off + i] == 0;
    if (all_zero) {
      acc.add_zero_leaves((n + kLeafSize - 1) / kLeafSize);
      continue;
    }
    hash_leaves(disk.data() + off, n, hashes.data());
    for (size_t i = 0; i < (n + kLeafSize - 1) / kLeafSize; ++i) acc.add_leaf(hashes[i]);
  }
  return acc.finish_hex();
}

TEST(DiskDigest, IndependentOfRequestSizeAndMatchesTheDefinition) {
  for (size_t size : {size_t{1}, size_t{4095}, size_t{65536}, size_t{1000003}, size_t{3u << 20}}) {
    auto disk = sparse_disk(size, static_cast<unsigned>(size));
    const std::string want = reference_digest(disk);
    for (size_t request : {kLeafSize, 4 * kLeafSize, 16 * kLeafSize}) {
      EXPECT_EQ(engine_digest(disk, request), want) << "size " << size << " request " << request;
    }
  }
}

TEST(DiskDigest, DiffersWhenOneByteDiffers) {
  auto disk = sparse_disk(1 << 20, 7);
  const std::string before = reference_digest(disk);
  disk[123457] ^= 1;
  EXPECT_NE(reference_digest(disk), before);
}

TEST(DiskDigest, SizeIsPartOfTheDigest) {
  // Two all-zero disks of different sizes must not collide (trailing zeroes are data too).
  DigestAccumulator a(kLeafSize * 4), b(kLeafSize * 4 + 512);
  a.add_zero_leaves(4);
  b.add_zero_leaves(5);
  EXPECT_NE(a.finish_hex(), b.finish_hex());
}

TEST(DiskDigest, WholeZeroSegmentsEqualLeafByLeaf) {
  // 2.5 GiB plus a short leaf: exercises the precomputed zero segment and the tail.
  const uint64_t size = (5ull << 29) + 1000;
  const uint64_t leaves = (size + kLeafSize - 1) / kLeafSize;
  DigestAccumulator fast(size), slow(size);
  fast.add_zero_leaves(leaves);
  for (uint64_t i = 0; i + 1 < leaves; ++i) slow.add_leaf(zero_leaf_hash(kLeafSize));
  slow.add_leaf(zero_leaf_hash(size % kLeafSize));
  EXPECT_EQ(fast.finish_hex(), slow.finish_hex());
}

TEST(DiskDigest, SavedStateResumesToTheSameDigest) {
  const uint64_t size = (3ull << 30) + 4096;  // three full segments and a short one
  const uint64_t leaves = (size + kLeafSize - 1) / kLeafSize;
  auto leaf_hash = [](uint64_t i) { return XXH3_64bits(&i, sizeof i); };
  DigestAccumulator straight(size);
  for (uint64_t i = 0; i < leaves; ++i) straight.add_leaf(leaf_hash(i));
  for (uint64_t cut : {uint64_t{0}, uint64_t{1}, kLeavesPerSegment, kLeavesPerSegment + 77, leaves}) {
    DigestAccumulator first(size);
    for (uint64_t i = 0; i < cut; ++i) first.add_leaf(leaf_hash(i));
    DigestAccumulator resumed(size);
    resumed.restore(first.leaves_done(), first.save_segments_hex(), first.save_open_leaves_hex());
    for (uint64_t i = cut; i < leaves; ++i) resumed.add_leaf(leaf_hash(i));
    EXPECT_EQ(resumed.finish_hex(), straight.finish_hex()) << "cut at leaf " << cut;
  }
}

TEST(DiskDigest, RestoreRejectsStateThatDoesNotFit) {
  DigestAccumulator acc(1 << 20);
  EXPECT_THROW(acc.restore(3, "", std::string(16, '0')), std::runtime_error);  // 3 leaves, 1 hash
  EXPECT_THROW(acc.restore(1, "", "zz00000000000000"), std::runtime_error);   // not hex
  EXPECT_THROW(acc.restore(99, "", ""), std::runtime_error);                  // beyond the disk
}

}  // namespace
}  // namespace mm::transfer
