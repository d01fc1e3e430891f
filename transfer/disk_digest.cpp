#include "transfer/disk_digest.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <stdexcept>

namespace mm::transfer {
namespace {

const std::array<unsigned char, kLeafSize>& zero_leaf() {
  static const std::array<unsigned char, kLeafSize> zeros{};
  return zeros;
}

void append_hex(std::string& out, const unsigned char* bytes, size_t n) {
  static const char* kHex = "0123456789abcdef";
  for (size_t i = 0; i < n; ++i) {
    out.push_back(kHex[bytes[i] >> 4]);
    out.push_back(kHex[bytes[i] & 15]);
  }
}

void parse_hex(const std::string& hex, unsigned char* out, size_t n, const char* what) {
  if (hex.size() != 2 * n) throw std::runtime_error(std::string("bad length of ") + what);
  for (size_t i = 0; i < n; ++i) {
    auto nibble = [&](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      throw std::runtime_error(std::string("non-hex digit in ") + what);
    };
    out[i] = static_cast<unsigned char>(nibble(hex[2 * i]) * 16 + nibble(hex[2 * i + 1]));
  }
}

XXH128_canonical_t segment_hash(const uint64_t* leaves, size_t count) {
  // Little-endian u64s: on x86-64 and other LE hosts the array bytes are already in that form.
  static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "digest assumes a little-endian host");
  XXH128_canonical_t c;
  XXH128_canonicalFromHash(&c, XXH3_128bits(leaves, count * sizeof(uint64_t)));
  return c;
}

}  // namespace

uint64_t zero_leaf_hash(uint64_t length) {
  static const uint64_t full = XXH3_64bits(zero_leaf().data(), kLeafSize);
  if (length == kLeafSize) return full;
  if (length > kLeafSize) throw std::logic_error("zero_leaf_hash: length beyond a leaf");
  return XXH3_64bits(zero_leaf().data(), length);
}

void hash_leaves(const unsigned char* data, uint64_t length, uint64_t* out_hashes) {
  for (uint64_t off = 0; off < length; off += kLeafSize) {
    const uint64_t n = std::min(kLeafSize, length - off);
    *out_hashes++ = XXH3_64bits(data + off, n);
  }
}

DigestAccumulator::DigestAccumulator(uint64_t disk_size)
    : disk_size_(disk_size), total_leaves_((disk_size + kLeafSize - 1) / kLeafSize) {
  // One entry per GiB of disk; the cap keeps a hostile size (a damaged checkpoint) from reserving
  // absurd memory up front; larger disks simply grow the vector.
  segments_.reserve(std::min<uint64_t>((total_leaves_ + kLeavesPerSegment - 1) / kLeavesPerSegment, 1 << 16));
  open_leaves_.reserve(kLeavesPerSegment);
}

uint64_t DigestAccumulator::bytes_done() const {
  return std::min(disk_size_, leaves_done_ * kLeafSize);
}

uint64_t DigestAccumulator::leaf_length(uint64_t leaf_index) const {
  return std::min(kLeafSize, disk_size_ - leaf_index * kLeafSize);
}

void DigestAccumulator::add_leaf(uint64_t leaf_hash) {
  if (leaves_done_ >= total_leaves_) throw std::logic_error("digest: leaf beyond the disk");
  open_leaves_.push_back(leaf_hash);
  ++leaves_done_;
  if (open_leaves_.size() == kLeavesPerSegment || leaves_done_ == total_leaves_) close_segment();
}

void DigestAccumulator::add_zero_leaves(uint64_t count) {
  if (count > total_leaves_ - leaves_done_) throw std::logic_error("digest: zeroes beyond the disk");
  static const XXH128_canonical_t zero_segment = [] {
    std::vector<uint64_t> leaves(kLeavesPerSegment, zero_leaf_hash(kLeafSize));
    return segment_hash(leaves.data(), leaves.size());
  }();
  const uint64_t full = zero_leaf_hash(kLeafSize);
  while (count > 0) {
    // A precomputed zero segment fits only when every one of its leaves is full-size.
    const bool ends_on_short_leaf =
        leaves_done_ + kLeavesPerSegment == total_leaves_ && disk_size_ % kLeafSize != 0;
    const bool whole_segment =
        open_leaves_.empty() && count >= kLeavesPerSegment && !ends_on_short_leaf;
    if (whole_segment) {
      segments_.push_back(zero_segment);
      leaves_done_ += kLeavesPerSegment;
      count -= kLeavesPerSegment;
      continue;
    }
    const uint64_t len = leaf_length(leaves_done_);
    add_leaf(len == kLeafSize ? full : zero_leaf_hash(len));
    --count;
  }
}

void DigestAccumulator::close_segment() {
  segments_.push_back(segment_hash(open_leaves_.data(), open_leaves_.size()));
  open_leaves_.clear();
}

std::string DigestAccumulator::finish_hex() const {
  if (leaves_done_ != total_leaves_) throw std::logic_error("digest: disk not fully hashed");
  XXH128_canonical_t out;
  XXH128_canonicalFromHash(
      &out, XXH3_128bits_withSeed(segments_.data(), segments_.size() * sizeof(XXH128_canonical_t),
                                  disk_size_));
  std::string hex;
  append_hex(hex, out.digest, sizeof out.digest);
  return hex;
}

std::string DigestAccumulator::save_segments_hex() const {
  std::string hex;
  hex.reserve(segments_.size() * 32);
  for (const auto& s : segments_) append_hex(hex, s.digest, sizeof s.digest);
  return hex;
}

std::string DigestAccumulator::save_open_leaves_hex() const {
  std::string hex;
  hex.reserve(open_leaves_.size() * 16);
  for (uint64_t h : open_leaves_) {
    XXH64_canonical_t c;
    XXH64_canonicalFromHash(&c, h);
    append_hex(hex, c.digest, sizeof c.digest);
  }
  return hex;
}

void DigestAccumulator::restore(uint64_t leaves_done, const std::string& segments_hex,
                                const std::string& open_hex) {
  if (leaves_done > total_leaves_) throw std::runtime_error("digest state beyond the disk");
  uint64_t segments = leaves_done / kLeavesPerSegment;
  uint64_t open = leaves_done % kLeavesPerSegment;
  if (leaves_done == total_leaves_ && open != 0) {  // the short last segment was closed
    ++segments;
    open = 0;
  }
  if (segments_hex.size() != segments * 32 || open_hex.size() != open * 16) {
    throw std::runtime_error("digest state does not match its position");
  }
  segments_.resize(segments);
  for (uint64_t i = 0; i < segments; ++i) {
    parse_hex(segments_hex.substr(i * 32, 32), segments_[i].digest, 16, "segment hash");
  }
  open_leaves_.clear();
  for (uint64_t i = 0; i < open; ++i) {
    XXH64_canonical_t c;
    parse_hex(open_hex.substr(i * 16, 16), c.digest, 8, "leaf hash");
    open_leaves_.push_back(XXH64_hashFromCanonical(&c));
  }
  leaves_done_ = leaves_done;
}

}  // namespace mm::transfer
