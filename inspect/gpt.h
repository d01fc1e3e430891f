#pragma once
// The GUID partition table: the primary header at LBA 1 and its entry array, checked by their
// CRC-32s; when the primary is damaged, the backup at the end of the disk (as sgdisk and the kernel
// do), with a warning.
#include <cstdint>

#include "inspect/disk.h"
#include "inspect/partition_table.h"

namespace mm::inspect {

// True when a GPT header signature ("EFI PART") sits at LBA 1 for 512- or 4096-byte sectors.
bool has_gpt_signature(Disk& disk);

// Fills `table` from the primary or the backup GPT. Returns false, with the reasons in
// table.warnings, when neither is valid.
bool read_gpt(Disk& disk, PartitionTable& table);

}  // namespace mm::inspect
