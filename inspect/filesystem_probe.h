#pragma once
// Which filesystem a region of the disk holds, by its superblock (the way blkid tells them apart):
// vfat (FAT12/16/32), ext2/3/4, XFS, NTFS, Linux swap; with the label where it is cheap to read.
#include <cstdint>
#include <string>

#include "inspect/disk.h"

namespace mm::inspect {

struct FilesystemInfo {
  std::string type = "none";  // "vfat", "ext2", "ext3", "ext4", "xfs", "ntfs", "swap", "none"
  std::string label;
  std::string note;  // what was seen when type is "none" but the region is not empty (e.g. LVM)
};

// Probes [start, start + length), clamped to the disk. Reads at most 64 KiB (plus one NTFS MFT
// record for its label).
FilesystemInfo probe_filesystem(Disk& disk, uint64_t start, uint64_t length);

}  // namespace mm::inspect
