#include "inspect/filesystem_probe.h"

#include <algorithm>

#include "inspect/bytes.h"
#include "inspect/ntfs_label.h"
#include "inspect/text.h"

namespace mm::inspect {
namespace {

constexpr uint64_t kProbeBytes = 64 * 1024;  // the largest swap page size

bool is_power_of_two(uint64_t v) {
  return v != 0 && (v & (v - 1)) == 0;
}

// ext2/3/4: the superblock at byte 1024; told apart by their feature flags as blkid does.
bool probe_ext(Bytes b, FilesystemInfo& fs) {
  constexpr size_t sb = 1024;
  if (!b.has(sb, 1024) || b.le16(sb + 56) != 0xef53) return false;
  if (b.le32(sb + 24) > 6 || b.le32(sb + 0) == 0 || b.le32(sb + 32) == 0) return false;
  const uint32_t compat = b.le32(sb + 92), incompat = b.le32(sb + 96), ro = b.le32(sb + 100);
  constexpr uint32_t kHasJournal = 0x4, kJournalDev = 0x8;
  constexpr uint32_t kExt3Incompat = 0x2 | 0x4 | 0x10;  // filetype, recover, meta_bg
  constexpr uint32_t kExt3Ro = 0x1 | 0x2 | 0x4;         // sparse_super, large_file, btree_dir
  if (incompat & kJournalDev) return false;             // an external journal holds no files
  if ((incompat & ~kExt3Incompat) || (ro & ~kExt3Ro)) {
    fs.type = "ext4";
  } else {
    fs.type = (compat & kHasJournal) ? "ext3" : "ext2";
  }
  fs.label = fixed_field(b.span(sb + 120, 16));
  return true;
}

bool probe_xfs(Bytes b, FilesystemInfo& fs) {
  if (!b.has(0, 512) || !b.equals(0, "XFSB")) return false;
  const uint32_t block = b.be32(4);
  const uint16_t sector = b.be16(102);
  if (!is_power_of_two(block) || block < 512 || block > 65536) return false;
  if (!is_power_of_two(sector) || sector < 512 || sector > 32768) return false;
  fs.type = "xfs";
  fs.label = fixed_field(b.span(108, 12));
  return true;
}

bool probe_ntfs(Disk& disk, uint64_t start, uint64_t length, Bytes b, FilesystemInfo& fs) {
  if (!b.has(0, 512) || !b.equals(3, "NTFS    ")) return false;
  const uint16_t bps = b.le16(11);
  if (bps < 256 || bps > 4096 || !is_power_of_two(bps)) return false;
  if (b.u8(510) != 0x55 || b.u8(511) != 0xaa) return false;
  fs.type = "ntfs";
  fs.label = read_ntfs_label(disk, start, length, b);
  return true;
}

// FAT12/16/32 boot sector: a plausible BIOS parameter block (as blkid checks it).
bool probe_vfat(Bytes b, FilesystemInfo& fs) {
  if (!b.has(0, 512) || b.u8(510) != 0x55 || b.u8(511) != 0xaa) return false;
  if (b.u8(0) != 0xeb && b.u8(0) != 0xe9) return false;
  const uint16_t bps = b.le16(11);
  const uint8_t spc = b.u8(13), fats = b.u8(16), media = b.u8(21);
  if (bps < 512 || bps > 4096 || !is_power_of_two(bps)) return false;
  if (!is_power_of_two(spc) || b.le16(14) == 0 || fats == 0 || fats > 4) return false;
  if (media != 0xf0 && media < 0xf8) return false;
  const bool fat32 = b.le16(17) == 0 && b.le16(22) == 0;  // no root entries, no 16-bit FAT size
  std::string label = fixed_field(b.span(fat32 ? 71 : 43, 11));
  if (label == "NO NAME") label.clear();
  fs.type = "vfat";
  fs.label = label;
  return true;
}

// Linux swap: the signature ends the first page, whatever the page size was.
bool probe_swap(Bytes b, FilesystemInfo& fs) {
  for (size_t page = 4096; page <= kProbeBytes; page *= 2) {
    if (!b.has(page - 10, 10)) return false;
    if (b.equals(page - 10, "SWAPSPACE2") || b.equals(page - 10, "SWAP-SPACE")) {
      fs.type = "swap";
      if (b.equals(page - 10, "SWAPSPACE2")) fs.label = fixed_field(b.span(1024 + 28, 16));
      return true;
    }
  }
  return false;
}

// LVM2 physical volume: its label in one of the first four sectors. Not looked into.
bool probe_lvm(Bytes b, FilesystemInfo& fs) {
  for (size_t s = 0; s < 4; ++s) {
    if (b.equals(s * 512, "LABELONE") && b.equals(s * 512 + 24, "LVM2 001")) {
      fs.note = "LVM2 physical volume (not looked into)";
      return true;
    }
  }
  return false;
}

}  // namespace

FilesystemInfo probe_filesystem(Disk& disk, uint64_t start, uint64_t length) {
  FilesystemInfo fs;
  if (start >= disk.size()) return fs;
  length = std::min(length, disk.size() - start);
  const auto head = read_range(disk, start, std::min(length, kProbeBytes));
  if (!head) return fs;
  const Bytes b(*head);
  try {
    // NTFS before FAT (both end their boot sector with 0x55AA); ext before swap (a stale swap
    // signature can survive inside a new ext superblock's first block group).
    if (probe_xfs(b, fs) || probe_ext(b, fs) || probe_ntfs(disk, start, length, b, fs) ||
        probe_vfat(b, fs) || probe_swap(b, fs) || probe_lvm(b, fs)) {
      return fs;
    }
  } catch (const Truncated&) {
    return FilesystemInfo{};
  }
  return fs;
}

}  // namespace mm::inspect
