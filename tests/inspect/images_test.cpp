// Inspection of real images made by sgdisk, sfdisk, mkfs.*, mkswap and mkntfs (disk_images.h),
// read as mm-transfer reads any file source.
#include <gtest/gtest.h>

#include "inspect/inspector.h"
#include "inspect/source_disk.h"
#include "tests/inspect/disk_images.h"
#include "transfer/uri.h"

namespace mm::test {
namespace {

using images::kMiB;
using inspect::Firmware;
using inspect::Inspection;
using inspect::TableKind;

Inspection inspect_file(const std::string& path) {
  inspect::SourceDisk disk(transfer::parse_endpoint(path));
  return inspect::inspect_disk(disk);
}

std::string warnings_of(const Inspection& r) {
  std::string all;
  for (const auto& w : r.warnings) all += w + "\n";
  return all;
}

TEST(InspectImages, GptWithEspAndDebianIsUefiLinux) {
  TempDir dir;
  const Inspection r = inspect_file(images::gpt_debian(dir));
  EXPECT_EQ(r.size, 50 * kMiB);
  EXPECT_EQ(r.table, TableKind::kGpt);
  EXPECT_EQ(r.firmware, Firmware::kUefi);
  ASSERT_EQ(r.partitions.size(), 3u);
  const auto& esp = r.partitions[0];
  EXPECT_EQ(esp.number, 1u);
  EXPECT_EQ(esp.start, 1 * kMiB);
  EXPECT_EQ(esp.size, 8 * kMiB);
  EXPECT_EQ(esp.type, "efi-system");
  EXPECT_EQ(esp.filesystem, "vfat");
  EXPECT_EQ(esp.label, "ESP");
  const auto& root = r.partitions[1];
  EXPECT_EQ(root.start, 9 * kMiB);
  EXPECT_EQ(root.size, 32 * kMiB);
  EXPECT_EQ(root.type, "linux");
  EXPECT_EQ(root.filesystem, "ext4");
  EXPECT_EQ(root.label, "root");
  EXPECT_EQ(r.partitions[2].type, "linux-swap");
  EXPECT_EQ(r.partitions[2].filesystem, "swap");
  EXPECT_EQ(r.partitions[2].label, "swp");
  EXPECT_EQ(r.os.family, "linux");
  EXPECT_EQ(r.os.id, "debian");
  EXPECT_EQ(r.os.name, "Debian GNU/Linux");
  EXPECT_EQ(r.os.version, "12");
  EXPECT_EQ(r.os.pretty_name, "Debian GNU/Linux 12 (bookworm)");
  EXPECT_EQ(r.os.source, "partition 2 (ext4) /etc/os-release");
  EXPECT_TRUE(r.warnings.empty()) << warnings_of(r);
}

TEST(InspectImages, MbrWithCentosIsBiosLinuxWithLogicalPartitions) {
  TempDir dir;
  const Inspection r = inspect_file(images::mbr_centos(dir));
  EXPECT_EQ(r.table, TableKind::kMbr);
  EXPECT_EQ(r.firmware, Firmware::kBios);
  ASSERT_EQ(r.partitions.size(), 4u);
  EXPECT_EQ(r.partitions[0].number, 1u);
  EXPECT_EQ(r.partitions[0].type, "linux");
  EXPECT_EQ(r.partitions[0].filesystem, "ext4");
  EXPECT_EQ(r.partitions[1].number, 2u);
  EXPECT_EQ(r.partitions[1].type, "extended");
  EXPECT_EQ(r.partitions[1].filesystem, "none");
  EXPECT_EQ(r.partitions[2].number, 5u);
  EXPECT_EQ(r.partitions[2].start, 45056u * 512);
  EXPECT_EQ(r.partitions[2].size, 4 * kMiB);
  EXPECT_EQ(r.partitions[2].type, "linux-swap");
  EXPECT_EQ(r.partitions[2].filesystem, "swap");
  EXPECT_EQ(r.partitions[3].number, 6u);
  EXPECT_EQ(r.partitions[3].start, 27 * kMiB);
  EXPECT_EQ(r.partitions[3].filesystem, "ext3");
  EXPECT_EQ(r.partitions[3].label, "data");
  EXPECT_EQ(r.os.family, "linux");
  EXPECT_EQ(r.os.id, "centos");
  EXPECT_EQ(r.os.version, "7");
  EXPECT_EQ(r.os.pretty_name, "CentOS Linux 7 (Core)");
  EXPECT_EQ(r.os.source, "partition 1 (ext4) /etc/os-release");
  EXPECT_TRUE(r.warnings.empty()) << warnings_of(r);
}

TEST(InspectImages, NtfsIsWindowsWithItsLabel) {
  TempDir dir;
  const Inspection r = inspect_file(images::mbr_windows(dir));
  EXPECT_EQ(r.table, TableKind::kMbr);
  EXPECT_EQ(r.firmware, Firmware::kBios);
  ASSERT_EQ(r.partitions.size(), 1u);
  EXPECT_EQ(r.partitions[0].type, "microsoft-basic-data");
  EXPECT_EQ(r.partitions[0].filesystem, "ntfs");
  EXPECT_EQ(r.partitions[0].label, "Windows");
  EXPECT_EQ(r.os.family, "windows");
  EXPECT_EQ(r.os.version, "");  // in the registry: not read
  EXPECT_EQ(r.os.source, "partition 1 (ntfs)");
}

TEST(InspectImages, UnpartitionedExt4IsPartitionZero) {
  TempDir dir;
  const Inspection r = inspect_file(images::whole_disk(dir, "ext4"));
  EXPECT_EQ(r.table, TableKind::kNone);
  EXPECT_EQ(r.firmware, Firmware::kUnknown);
  ASSERT_EQ(r.partitions.size(), 1u);
  EXPECT_EQ(r.partitions[0].number, 0u);
  EXPECT_EQ(r.partitions[0].start, 0u);
  EXPECT_EQ(r.partitions[0].size, 16 * kMiB);
  EXPECT_EQ(r.partitions[0].filesystem, "ext4");
  EXPECT_EQ(r.partitions[0].label, "whole");
  EXPECT_EQ(r.os.id, "debian");
  EXPECT_EQ(r.os.source, "whole disk (ext4) /etc/os-release");
}

TEST(InspectImages, WholeDiskExt2Ext3XfsAndVfatAreToldApart) {
  TempDir dir;
  // A FAT boot sector ends in 0x55AA like an MBR: it must not be taken for one.
  for (const std::string fs : {"ext2", "ext3", "xfs", "vfat"}) {
    const Inspection r = inspect_file(images::whole_disk(dir, fs));
    ASSERT_EQ(r.partitions.size(), 1u) << fs;
    EXPECT_EQ(r.partitions[0].filesystem, fs);
    EXPECT_EQ(r.table, TableKind::kNone) << fs;
    EXPECT_EQ(r.partitions[0].label, fs == "xfs" ? "xdata" : fs == "vfat" ? "WHOLE" : "whole");
    // No os-release on these; XFS is not read (docs/inspection.md).
    EXPECT_EQ(r.os.family, "unknown") << fs;
  }
}

TEST(InspectImages, GarbageIsNothing) {
  TempDir dir;
  const Inspection r = inspect_file(images::garbage(dir));
  EXPECT_EQ(r.table, TableKind::kNone);
  EXPECT_EQ(r.firmware, Firmware::kUnknown);
  EXPECT_TRUE(r.partitions.empty());
  EXPECT_EQ(r.os.family, "unknown");
}

TEST(InspectImages, CorruptPrimaryGptHeaderFallsBackToTheBackup) {
  TempDir dir;
  const std::string img = images::gpt_debian(dir);
  images::clobber(img, 512 + 24, 8);  // MyLBA: the header's CRC no longer matches
  const Inspection r = inspect_file(img);
  EXPECT_EQ(r.table, TableKind::kGpt);
  EXPECT_EQ(r.firmware, Firmware::kUefi);
  ASSERT_EQ(r.partitions.size(), 3u);
  EXPECT_EQ(r.os.id, "debian");
  const std::string w = warnings_of(r);
  EXPECT_NE(w.find("primary GPT at LBA 1: header CRC mismatch"), std::string::npos) << w;
  EXPECT_NE(w.find("used the backup GPT at LBA 102399"), std::string::npos) << w;
}

TEST(InspectImages, BothGptHeadersCorruptGiveNoPartitionsAndSaySo) {
  TempDir dir;
  const std::string img = images::gpt_debian(dir);
  images::clobber(img, 512 + 24, 8);
  images::clobber(img, 50 * kMiB - 512 + 24, 8);
  const Inspection r = inspect_file(img);
  EXPECT_EQ(r.table, TableKind::kGpt);
  EXPECT_EQ(r.firmware, Firmware::kUnknown);
  EXPECT_TRUE(r.partitions.empty());
  const std::string w = warnings_of(r);
  EXPECT_NE(w.find("backup GPT at LBA 102399: header CRC mismatch"), std::string::npos) << w;
  EXPECT_NE(w.find("no valid GPT"), std::string::npos) << w;
}

TEST(InspectImages, CorruptGptEntryArrayFallsBackToTheBackup) {
  TempDir dir;
  const std::string img = images::gpt_debian(dir);
  images::clobber(img, 2 * 512 + 56, 4);  // the first entry's name
  const Inspection r = inspect_file(img);
  ASSERT_EQ(r.partitions.size(), 3u);
  const std::string w = warnings_of(r);
  EXPECT_NE(w.find("entry array CRC mismatch"), std::string::npos) << w;
}

}  // namespace
}  // namespace mm::test
