#include "inspect/gpt.h"

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "inspect/bytes.h"
#include "inspect/crc32.h"
#include "inspect/guid.h"
#include "inspect/partition_types.h"

namespace mm::inspect {
namespace {

constexpr uint64_t kSectorSizes[] = {512, 4096};
constexpr uint32_t kMinHeaderSize = 92;
constexpr uint32_t kMinEntrySize = 128;
constexpr uint64_t kMaxEntryArray =
    1 << 20;  // 8192 entries of 128 bytes; the spec's minimum is 16 KiB

struct Header {
  uint64_t my_lba = 0, alternate_lba = 0, first_usable = 0, last_usable = 0, entries_lba = 0;
  uint32_t entries = 0, entry_size = 0, entries_crc = 0;
};

std::string hex32(uint32_t v) {
  char s[16];
  snprintf(s, sizeof s, "0x%08x", v);
  return s;
}

// The header in the sector at `lba`, or nullopt with the reason in `why`.
std::optional<Header> read_header(Disk& disk, uint64_t ss, uint64_t lba, std::string& why) {
  if (lba > disk.size() / ss) {
    why = "LBA " + std::to_string(lba) + " is past the end of the disk";
    return std::nullopt;
  }
  const auto sector = read_range(disk, lba * ss, ss);
  if (!sector) {
    why = "LBA " + std::to_string(lba) + " is past the end of the disk";
    return std::nullopt;
  }
  const Bytes b(*sector);
  if (!b.equals(0, "EFI PART")) {
    why = "no GPT signature";
    return std::nullopt;
  }
  const uint32_t header_size = b.le32(12);
  if (header_size < kMinHeaderSize || header_size > ss) {
    why = "header size " + std::to_string(header_size) + " is out of range";
    return std::nullopt;
  }
  std::vector<uint8_t> copy(sector->begin(), sector->begin() + header_size);
  const uint32_t stored = b.le32(16);
  for (size_t i = 16; i < 20; ++i) copy[i] = 0;  // the CRC covers the header with its CRC zeroed
  const uint32_t computed = crc32(copy);
  if (stored != computed) {
    why = "header CRC mismatch (stored " + hex32(stored) + ", computed " + hex32(computed) + ")";
    return std::nullopt;
  }
  Header h{b.le64(24), b.le64(32), b.le64(40), b.le64(48),
           b.le64(72), b.le32(80), b.le32(84), b.le32(88)};
  if (h.my_lba != lba) {
    why = "the header says it is at LBA " + std::to_string(h.my_lba);
    return std::nullopt;
  }
  if (h.entry_size < kMinEntrySize || h.entry_size % 8 != 0 ||
      static_cast<uint64_t>(h.entries) * h.entry_size > kMaxEntryArray) {
    why = std::to_string(h.entries) + " entries of " + std::to_string(h.entry_size) +
          " bytes are out of range";
    return std::nullopt;
  }
  if (h.first_usable > h.last_usable) {
    why = "first usable LBA is past the last usable LBA";
    return std::nullopt;
  }
  return h;
}

// The entry array of `h`, checked against its CRC, or nullopt with the reason in `why`.
std::optional<std::vector<uint8_t>> read_entries(Disk& disk, uint64_t ss, const Header& h,
                                                 std::string& why) {
  const uint64_t length = static_cast<uint64_t>(h.entries) * h.entry_size;
  std::optional<std::vector<uint8_t>> array;
  if (h.entries_lba <= disk.size() / ss) array = read_range(disk, h.entries_lba * ss, length);
  if (!array) {
    why =
        "the entry array at LBA " + std::to_string(h.entries_lba) + " is past the end of the disk";
    return std::nullopt;
  }
  const uint32_t computed = crc32(*array);
  if (computed != h.entries_crc) {
    why = "entry array CRC mismatch (stored " + hex32(h.entries_crc) + ", computed " +
          hex32(computed) + ")";
    return std::nullopt;
  }
  return array;
}

void add_entries(Disk& disk, uint64_t ss, const Header& h, const std::vector<uint8_t>& array,
                 PartitionTable& table) {
  const Bytes b(array);
  for (uint32_t i = 0; i < h.entries; ++i) {
    const size_t o = static_cast<size_t>(i) * h.entry_size;
    const auto type = b.span(o, 16);
    if (is_zero_guid(type)) continue;
    const unsigned number = i + 1;
    const uint64_t first = b.le64(o + 32), last = b.le64(o + 40);
    if (last < first || last >= UINT64_MAX / ss) {
      table.warnings.push_back("GPT entry " + std::to_string(number) +
                               " has an impossible range: left out");
      continue;
    }
    TableEntry e{number, first * ss, (last - first + 1) * ss, gpt_type_name(format_guid(type))};
    if (e.start > disk.size() || e.size > disk.size() - e.start) {
      table.warnings.push_back("partition " + std::to_string(number) +
                               " extends past the end of the disk");
    }
    table.entries.push_back(std::move(e));
  }
}

// The sector size whose LBA 1 holds a GPT signature, or 0.
uint64_t gpt_sector_size(Disk& disk) {
  for (uint64_t ss : kSectorSizes) {
    const auto s = read_range(disk, ss, 8);
    if (s && Bytes(*s).equals(0, "EFI PART")) return ss;
  }
  return 0;
}

}  // namespace

bool has_gpt_signature(Disk& disk) {
  return gpt_sector_size(disk) != 0;
}

bool read_gpt(Disk& disk, PartitionTable& table) {
  table.kind = TableKind::kGpt;
  const uint64_t found = gpt_sector_size(disk);
  const uint64_t ss = found != 0 ? found : 512;
  const uint64_t last_lba = disk.size() / ss > 0 ? disk.size() / ss - 1 : 0;
  std::string why;
  const auto primary = read_header(disk, ss, 1, why);
  if (primary) {
    if (const auto array = read_entries(disk, ss, *primary, why)) {
      add_entries(disk, ss, *primary, *array, table);
      return true;
    }
  }
  table.warnings.push_back("primary GPT at LBA 1: " + why);
  // The backup: where the primary says, else at the last sector (as sgdisk looks for it).
  const uint64_t backup_lba = primary ? primary->alternate_lba : last_lba;
  const auto backup = read_header(disk, ss, backup_lba, why);
  if (backup) {
    if (const auto array = read_entries(disk, ss, *backup, why)) {
      table.warnings.push_back("used the backup GPT at LBA " + std::to_string(backup_lba));
      add_entries(disk, ss, *backup, *array, table);
      return true;
    }
  }
  table.warnings.push_back("backup GPT at LBA " + std::to_string(backup_lba) + ": " + why);
  return false;
}

}  // namespace mm::inspect
