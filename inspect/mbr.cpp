#include "inspect/mbr.h"

#include <set>
#include <string>

#include "inspect/partition_types.h"

namespace mm::inspect {
namespace {

constexpr size_t kEntriesOffset = 446;
constexpr unsigned kMaxLogical = 128;  // a guard against EBR chains that never end

MbrEntry entry_at(Bytes s, size_t i) {
  const size_t o = kEntriesOffset + 16 * i;
  return {s.u8(o), s.u8(o + 4), s.le32(o + 8), s.le32(o + 12)};
}

bool has_signature(Bytes s) {
  return s.size() >= 512 && s.u8(510) == 0x55 && s.u8(511) == 0xaa;
}

void add_entry(Disk& disk, PartitionTable& table, unsigned number, uint64_t start_lba,
               uint64_t sectors, uint8_t type) {
  TableEntry e{number, start_lba * kMbrSector, sectors * kMbrSector, mbr_type_name(type)};
  if (e.start > disk.size() || e.size > disk.size() - e.start) {
    table.warnings.push_back("partition " + std::to_string(number) +
                             " extends past the end of the disk");
  }
  table.entries.push_back(std::move(e));
}

// Logical partitions: each EBR holds one partition (relative to the EBR) and a link to the next
// EBR (relative to the start of the extended partition).
void read_logical(Disk& disk, const MbrEntry& extended, PartitionTable& table) {
  const uint64_t ext_start = extended.start_lba;
  const uint64_t ext_end = ext_start + extended.sectors;
  std::set<uint64_t> seen;
  uint64_t ebr = ext_start;
  unsigned number = 5;
  for (unsigned n = 0; n < kMaxLogical; ++n) {
    if (!seen.insert(ebr).second) {
      table.warnings.push_back("the extended partition's EBR chain loops; stopped at LBA " +
                               std::to_string(ebr));
      return;
    }
    const auto sector = read_range(disk, ebr * kMbrSector, kMbrSector);
    if (!sector) {
      table.warnings.push_back("EBR at LBA " + std::to_string(ebr) +
                               " is past the end of the disk");
      return;
    }
    const Bytes s(*sector);
    if (!has_signature(s)) {
      // An extended partition without logical partitions has an empty (zeroed) first EBR.
      if (ebr != ext_start) {
        table.warnings.push_back("EBR at LBA " + std::to_string(ebr) + " has no 0x55AA signature");
      }
      return;
    }
    const MbrEntry part = entry_at(s, 0), link = entry_at(s, 1);
    if (part.used()) {
      const uint64_t start = ebr + part.start_lba;
      if (start + part.sectors > ext_end) {
        table.warnings.push_back("logical partition " + std::to_string(number) +
                                 " extends past its extended partition");
      }
      add_entry(disk, table, number++, start, part.sectors, part.type);
    }
    if (!link.used() || !is_mbr_extended(link.type)) return;
    ebr = ext_start + link.start_lba;
    if (ebr >= ext_end) {
      table.warnings.push_back("an EBR link points outside the extended partition");
      return;
    }
  }
  table.warnings.push_back("more than " + std::to_string(kMaxLogical) +
                           " logical partitions: the rest are not shown");
}

}  // namespace

std::optional<MbrSector> parse_mbr_sector(Bytes s) {
  if (!has_signature(s)) return std::nullopt;
  MbrSector m;
  for (size_t i = 0; i < 4; ++i) {
    m.entries[i] = entry_at(s, i);
    if (m.entries[i].status != 0x00 && m.entries[i].status != 0x80) return std::nullopt;
  }
  for (size_t i = 0; i < 440 && !m.boot_code; ++i) m.boot_code = s.u8(i) != 0;
  return m;
}

void read_mbr(Disk& disk, const MbrSector& mbr, PartitionTable& table) {
  table.kind = TableKind::kMbr;
  table.mbr_bootable = mbr.boot_code;
  const MbrEntry* extended = nullptr;
  for (unsigned i = 0; i < 4; ++i) {
    const MbrEntry& e = mbr.entries[i];
    if (!e.used()) continue;
    if (e.status == 0x80) table.mbr_bootable = true;
    add_entry(disk, table, i + 1, e.start_lba, e.sectors, e.type);
    if (is_mbr_extended(e.type)) {
      if (extended) {
        table.warnings.push_back("more than one extended partition: only the first is read");
      } else {
        extended = &e;
      }
    }
  }
  if (extended) read_logical(disk, *extended, table);
}

}  // namespace mm::inspect
