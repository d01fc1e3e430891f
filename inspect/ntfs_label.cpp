#include "inspect/ntfs_label.h"

#include <algorithm>
#include <vector>

#include "inspect/text.h"

namespace mm::inspect {
namespace {

constexpr uint64_t kVolumeRecord = 3;
constexpr uint32_t kVolumeNameAttribute = 0x60;
constexpr uint32_t kEndOfAttributes = 0xffffffff;

// The update sequence array: the last two bytes of every sector of a record were moved there, and
// each sector ends with the sequence number instead. Puts them back; false when they do not match.
bool apply_fixups(std::vector<uint8_t>& record, uint16_t bytes_per_sector) {
  const Bytes b(record);
  const uint16_t usa = b.le16(4), count = b.le16(6);
  if (count == 0 || static_cast<size_t>(count - 1) * bytes_per_sector > record.size()) return false;
  const uint16_t seq = b.le16(usa);
  for (uint16_t i = 1; i < count; ++i) {
    const size_t end = static_cast<size_t>(i) * bytes_per_sector - 2;
    if (Bytes(record).le16(end) != seq) return false;
    const uint16_t saved = Bytes(record).le16(usa + 2u * i);
    record[end] = static_cast<uint8_t>(saved);
    record[end + 1] = static_cast<uint8_t>(saved >> 8);
  }
  return true;
}

std::string label_from_record(std::vector<uint8_t>& record, uint16_t bytes_per_sector) {
  if (!Bytes(record).equals(0, "FILE") || !apply_fixups(record, bytes_per_sector)) return {};
  const Bytes b(record);
  size_t at = b.le16(0x14);
  for (int guard = 0; guard < 64; ++guard) {
    const uint32_t type = b.le32(at);
    if (type == kEndOfAttributes) return {};
    const uint32_t len = b.le32(at + 4);
    if (len < 24 || !b.has(at, len)) return {};
    if (type == kVolumeNameAttribute && b.u8(at + 8) == 0) {  // resident, as it always is
      const uint32_t value_len = b.le32(at + 16);
      const uint16_t value_off = b.le16(at + 20);
      if (value_off > len || value_len > len - value_off) return {};
      return utf16le_to_utf8(b.span(at + value_off, value_len));
    }
    at += len;
  }
  return {};
}

}  // namespace

std::string read_ntfs_label(Disk& disk, uint64_t start, uint64_t length, Bytes boot) {
  try {
    const uint16_t bps = boot.le16(11);
    const uint8_t spc_raw = boot.u8(13);
    // Sectors per cluster past 0x80 is a negative power of two (clusters over 64 KiB).
    if (spc_raw > 0x80 && 256 - spc_raw > 12) return {};
    const uint64_t spc = spc_raw <= 0x80 ? spc_raw : 1ull << (256 - spc_raw);
    const uint64_t cluster = spc * bps;
    const auto per_record = static_cast<int8_t>(boot.u8(0x40));
    const uint64_t record_size =
        per_record > 0 ? per_record * cluster : 1ull << std::min(-per_record, 20);
    const uint64_t mft = boot.le64(0x30);
    if (cluster == 0 || cluster > (1u << 21) || record_size < 512 || record_size > 65536 ||
        mft > length / cluster) {
      return {};
    }
    const uint64_t offset = mft * cluster + kVolumeRecord * record_size;
    if (offset > length || record_size > length - offset) return {};
    auto record = read_range(disk, start + offset, record_size);
    if (!record) return {};
    return label_from_record(*record, bps);
  } catch (const Truncated&) {
    return {};
  }
}

}  // namespace mm::inspect
