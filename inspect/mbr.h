#pragma once
// The MBR: four primary entries in sector 0, logical partitions in the chain of extended boot
// records (EBRs) inside the extended partition.
#include <array>
#include <cstdint>
#include <optional>

#include "inspect/bytes.h"
#include "inspect/partition_table.h"

namespace mm::inspect {

inline constexpr uint64_t kMbrSector = 512;

struct MbrEntry {
  uint8_t status = 0;  // 0x80 active
  uint8_t type = 0;
  uint32_t start_lba = 0;
  uint32_t sectors = 0;
  bool used() const { return type != 0 && sectors != 0; }
};

struct MbrSector {
  std::array<MbrEntry, 4> entries;
  bool boot_code = false;  // bytes 0-439 not all zero
};

// Sector 0 as an MBR; nullopt when it is not one (no 0x55AA signature, a status byte other than
// 0x00/0x80).
std::optional<MbrSector> parse_mbr_sector(Bytes sector);

// Fills `table` (kind, entries, warnings) from a parsed sector 0, following the EBR chain.
void read_mbr(Disk& disk, const MbrSector& mbr, PartitionTable& table);

}  // namespace mm::inspect
