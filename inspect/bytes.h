#pragma once
// Bounds-checked integer and text loads from on-disk structures. A load outside the buffer throws
// Truncated, which a parser turns into "not recognised": outside input never reads out of bounds.
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string_view>
#include <vector>

namespace mm::inspect {

struct Truncated : std::runtime_error {
  Truncated() : std::runtime_error("structure truncated") {}
};

class Bytes {
 public:
  Bytes(std::span<const uint8_t> data) : data_(data) {}     // NOLINT: implicit on purpose
  Bytes(const std::vector<uint8_t>& data) : data_(data) {}  // NOLINT: implicit on purpose
  size_t size() const { return data_.size(); }
  bool has(size_t offset, size_t length) const {
    return offset <= data_.size() && length <= data_.size() - offset;
  }
  uint8_t u8(size_t off) const { return at(off, 1)[0]; }
  uint16_t le16(size_t off) const {
    const uint8_t* p = at(off, 2);
    return static_cast<uint16_t>(p[0] | p[1] << 8);
  }
  uint32_t le32(size_t off) const {
    const uint8_t* p = at(off, 4);
    return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 |
           static_cast<uint32_t>(p[2]) << 16 | static_cast<uint32_t>(p[3]) << 24;
  }
  uint64_t le64(size_t off) const {
    return static_cast<uint64_t>(le32(off)) | static_cast<uint64_t>(le32(off + 4)) << 32;
  }
  uint16_t be16(size_t off) const {
    const uint8_t* p = at(off, 2);
    return static_cast<uint16_t>(p[0] << 8 | p[1]);
  }
  uint32_t be32(size_t off) const {
    const uint8_t* p = at(off, 4);
    return static_cast<uint32_t>(p[0]) << 24 | static_cast<uint32_t>(p[1]) << 16 |
           static_cast<uint32_t>(p[2]) << 8 | static_cast<uint32_t>(p[3]);
  }
  std::span<const uint8_t> span(size_t off, size_t length) const {
    return {at(off, length), length};
  }
  bool equals(size_t off, std::string_view text) const {
    if (!has(off, text.size())) return false;
    return std::string_view(reinterpret_cast<const char*>(data_.data() + off), text.size()) == text;
  }

 private:
  const uint8_t* at(size_t off, size_t length) const {
    if (!has(off, length)) throw Truncated();
    return data_.data() + off;
  }
  std::span<const uint8_t> data_;
};

}  // namespace mm::inspect
