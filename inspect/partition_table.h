#pragma once
// The partition table of a disk: GPT (with its protective MBR), MBR (with extended/logical
// partitions) or none. Everything read is checked; what cannot be trusted is left out and said in
// `warnings`.
#include <cstdint>
#include <string>
#include <vector>

#include "inspect/disk.h"

namespace mm::inspect {

enum class TableKind { kNone, kMbr, kGpt };
const char* table_kind_name(TableKind kind);  // "none", "mbr", "gpt"

struct TableEntry {
  unsigned number =
      0;  // GPT: entry index + 1; MBR: 1-4 primary, 5... logical (as Linux numbers them)
  uint64_t start = 0;  // bytes
  uint64_t size = 0;   // bytes
  std::string type;    // partition_types.h
};

struct PartitionTable {
  TableKind kind = TableKind::kNone;
  std::vector<TableEntry> entries;
  std::vector<std::string> warnings;
  // MBR: an active partition or boot code in sector 0 (what a BIOS would start).
  bool mbr_bootable = false;
};

PartitionTable read_partition_table(Disk& disk);

}  // namespace mm::inspect
