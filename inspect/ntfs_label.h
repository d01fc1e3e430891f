#pragma once
// The NTFS volume label: the $VOLUME_NAME attribute of MFT record 3 ($Volume).
#include <cstdint>
#include <string>

#include "inspect/bytes.h"
#include "inspect/disk.h"

namespace mm::inspect {

// `boot` is the NTFS boot sector at `start`; empty when the label cannot be read.
std::string read_ntfs_label(Disk& disk, uint64_t start, uint64_t length, Bytes boot);

}  // namespace mm::inspect
