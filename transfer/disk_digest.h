#pragma once
// The disk digest: one value per disk, independent of request size, sparseness and of the tool that
// wrote the disk, so `checksum` of a source and of its copy can be compared. Definition (docs/digest.md):
//   leaf     = 64 KiB of the disk (the last leaf may be shorter); h_leaf = XXH3_64(leaf bytes)
//   segment  = 16384 consecutive leaves (1 GiB, the last may be shorter);
//              h_seg = XXH3_128(h_leaf as little-endian u64, in order)
//   digest   = XXH3_128 with seed = disk size in bytes, over h_seg in canonical (big-endian) form
// An all-zero leaf has a fixed hash, so holes are folded in without reading them.
#include <xxhash.h>

#include <cstdint>
#include <string>
#include <vector>

namespace mm::transfer {

inline constexpr uint64_t kLeafSize = 64 * 1024;
inline constexpr uint64_t kLeavesPerSegment = 16384;

// XXH3_64 of `length` zero bytes (length <= kLeafSize), cached for the full leaf size.
uint64_t zero_leaf_hash(uint64_t length);

// Hashes the leaves of `data`, which starts on a leaf boundary; the last leaf may be short.
void hash_leaves(const unsigned char* data, uint64_t length, uint64_t* out_hashes);

// Folds leaf hashes into the digest in disk order. Its whole state is small and serialisable (completed
// segment hashes plus the leaf hashes of the open segment), so a checkpoint can carry it.
class DigestAccumulator {
 public:
  explicit DigestAccumulator(uint64_t disk_size);

  uint64_t disk_size() const { return disk_size_; }
  uint64_t leaves_done() const { return leaves_done_; }
  uint64_t bytes_done() const;  // the disk offset the accumulator has reached

  void add_leaf(uint64_t leaf_hash);
  // Adds `count` leaves of zeroes starting at the current position (fast for whole zero segments).
  void add_zero_leaves(uint64_t count);
  std::string finish_hex() const;  // 32 lowercase hex digits; requires every leaf added

  // Checkpoint form: "segments" = hex of completed segment hashes, "open" = hex of open leaf hashes.
  std::string save_segments_hex() const;
  std::string save_open_leaves_hex() const;
  // Throws std::runtime_error when the saved state does not fit this disk.
  void restore(uint64_t leaves_done, const std::string& segments_hex, const std::string& open_hex);

 private:
  void close_segment();
  uint64_t leaf_length(uint64_t leaf_index) const;

  uint64_t disk_size_;
  uint64_t total_leaves_;
  uint64_t leaves_done_ = 0;
  std::vector<XXH128_canonical_t> segments_;
  std::vector<uint64_t> open_leaves_;
};

}  // namespace mm::transfer
