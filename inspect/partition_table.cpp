#include "inspect/partition_table.h"

#include "inspect/filesystem_probe.h"
#include "inspect/gpt.h"
#include "inspect/mbr.h"

namespace mm::inspect {

const char* table_kind_name(TableKind kind) {
  switch (kind) {
    case TableKind::kMbr:
      return "mbr";
    case TableKind::kGpt:
      return "gpt";
    case TableKind::kNone:
      break;
  }
  return "none";
}

PartitionTable read_partition_table(Disk& disk) {
  PartitionTable table;
  const auto sector0 = read_range(disk, 0, kMbrSector);
  if (!sector0) return table;  // smaller than a sector
  const auto mbr = parse_mbr_sector(*sector0);
  bool protective = false;
  if (mbr) {
    for (const MbrEntry& e : mbr->entries) protective = protective || e.type == 0xee;
  }
  if (protective) {
    if (!read_gpt(disk, table)) {
      table.warnings.push_back("protective MBR present but no valid GPT: no partitions read");
    }
    return table;
  }
  if (!mbr && has_gpt_signature(disk)) {
    // sgdisk and the kernel want the protective MBR; a GPT whose own checksums hold is still
    // worth reading, with a word about it.
    PartitionTable gpt;
    if (read_gpt(disk, gpt)) {
      gpt.warnings.insert(gpt.warnings.begin(), "GPT without a protective MBR");
      return gpt;
    }
  }
  if (!mbr) return table;
  // A FAT or NTFS boot sector also ends in 0x55AA: a filesystem on the whole disk, not an MBR.
  const std::string fs = probe_filesystem(disk, 0, kMbrSector * 2).type;
  if (fs == "vfat" || fs == "ntfs") return table;
  read_mbr(disk, *mbr, table);
  return table;
}

}  // namespace mm::inspect
