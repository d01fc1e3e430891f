// The parsers on crafted bytes: what real tools never write (loops, truncation, bad bytes).
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "inspect/crc32.h"
#include "inspect/guid.h"
#include "inspect/inspector.h"
#include "inspect/os_release.h"
#include "inspect/partition_types.h"
#include "inspect/text.h"

namespace mm::inspect {
namespace {

constexpr size_t kMiB = 1024 * 1024;

void put_le32(std::vector<uint8_t>& d, size_t at, uint32_t v) {
  for (int i = 0; i < 4; ++i) d[at + i] = static_cast<uint8_t>(v >> (8 * i));
}

// One MBR entry (status, type, start LBA, sectors) in the sector at `sector_lba`.
void put_entry(std::vector<uint8_t>& d, uint64_t sector_lba, int slot, uint8_t status, uint8_t type,
               uint32_t start, uint32_t sectors) {
  const size_t at = sector_lba * 512 + 446 + 16 * slot;
  d[at] = status;
  d[at + 4] = type;
  put_le32(d, at + 8, start);
  put_le32(d, at + 12, sectors);
  d[sector_lba * 512 + 510] = 0x55;
  d[sector_lba * 512 + 511] = 0xaa;
}

std::string all_warnings(const Inspection& r) {
  std::string s;
  for (const auto& w : r.warnings) s += w + "\n";
  return s;
}

TEST(InspectParsers, Crc32IsIeee) {
  const char* text = "123456789";
  EXPECT_EQ(crc32({reinterpret_cast<const uint8_t*>(text), 9}), 0xcbf43926u);
}

TEST(InspectParsers, GuidsAreMixedEndian) {
  const uint8_t esp[16] = {0x28, 0x73, 0x2a, 0xc1, 0x1f, 0xf8, 0xd2, 0x11,
                           0xba, 0x4b, 0x00, 0xa0, 0xc9, 0x3e, 0xc9, 0x3b};
  EXPECT_EQ(format_guid(esp), "C12A7328-F81F-11D2-BA4B-00A0C93EC93B");
  EXPECT_EQ(gpt_type_name(format_guid(esp)), "efi-system");
  EXPECT_EQ(gpt_type_name("01234567-89AB-CDEF-0123-456789ABCDEF"),
            "other:01234567-89AB-CDEF-0123-456789ABCDEF");
  EXPECT_EQ(mbr_type_name(0x8e), "other:0x8e");
  EXPECT_EQ(mbr_type_name(0x0f), "extended");
}

TEST(InspectParsers, OsReleaseQuotingAndNoise) {
  const OsRelease r = parse_os_release(
      "# comment\n  ID=fedora\nNAME='Fedora Linux'\r\nVERSION_ID=\"39\"\n"
      "PRETTY_NAME=\"Fedora \\\"Linux\\\" 39 \\$x\"\nBROKEN LINE\n=nokey\nID_LIKE=rhel\n");
  EXPECT_EQ(r.id, "fedora");
  EXPECT_EQ(r.name, "Fedora Linux");
  EXPECT_EQ(r.version_id, "39");
  EXPECT_EQ(r.pretty_name, "Fedora \"Linux\" 39 $x");
  const OsRelease evil = parse_os_release("NAME=\"a\x1b[2Jb\"\nID=\xff\xfe\n");
  EXPECT_EQ(evil.name, "a?[2Jb");
  EXPECT_EQ(evil.id, "??");
  EXPECT_EQ(parse_os_release("ID=" + std::string(1000, 'x')).id.size(), 256u);
}

TEST(InspectParsers, TextIsCleaned) {
  EXPECT_EQ(clean_text("caf\xc3\xa9"), "caf\xc3\xa9");
  EXPECT_EQ(clean_text("\xc0\xaf"), "??");  // overlong '/'
  EXPECT_EQ(clean_text("a\tb\x7f"), "a?b?");
  const uint8_t utf16[] = {'W', 0, 'i', 0, 0x3d, 0xd8, 0x00, 0xde, 0x00, 0xd8, 0, 0};
  EXPECT_EQ(utf16le_to_utf8(utf16), "Wi\xf0\x9f\x98\x80?");
}

TEST(InspectParsers, TinyAndEmptyDisks) {
  for (size_t n : {0, 100, 511, 512, 4096}) {
    MemoryDisk disk(std::vector<uint8_t>(n, 0));
    const Inspection r = inspect_disk(disk, {false});
    EXPECT_EQ(r.table, TableKind::kNone) << n;
    EXPECT_TRUE(r.partitions.empty()) << n;
  }
}

TEST(InspectParsers, MbrWithBadStatusByteIsNotAnMbr) {
  std::vector<uint8_t> d(kMiB, 0);
  put_entry(d, 0, 0, 0x42, 0x83, 2048, 100);
  MemoryDisk disk(d);
  EXPECT_EQ(inspect_disk(disk, {false}).table, TableKind::kNone);
}

TEST(InspectParsers, EbrChainThatLoopsStops) {
  std::vector<uint8_t> d(2 * kMiB, 0);
  put_entry(d, 0, 0, 0x80, 0x83, 64, 100);
  put_entry(d, 0, 1, 0x00, 0x05, 2048, 2000);
  put_entry(d, 2048, 0, 0x00, 0x83, 1, 10);    // logical 5
  put_entry(d, 2048, 1, 0x00, 0x05, 100, 50);  // next EBR at 2048 + 100
  put_entry(d, 2148, 0, 0x00, 0x82, 1, 10);    // logical 6
  put_entry(d, 2148, 1, 0x00, 0x05, 0, 50);    // back to the first EBR
  MemoryDisk disk(d);
  const Inspection r = inspect_disk(disk, {false});
  ASSERT_EQ(r.table, TableKind::kMbr);
  EXPECT_EQ(r.firmware, Firmware::kBios);
  ASSERT_EQ(r.partitions.size(), 4u);
  EXPECT_EQ(r.partitions[2].number, 5u);
  EXPECT_EQ(r.partitions[2].start, 2049u * 512);
  EXPECT_EQ(r.partitions[3].number, 6u);
  EXPECT_EQ(r.partitions[3].type, "linux-swap");
  EXPECT_NE(all_warnings(r).find("EBR chain loops"), std::string::npos) << all_warnings(r);
}

TEST(InspectParsers, PartitionPastTheEndIsFlagged) {
  std::vector<uint8_t> d(kMiB, 0);
  put_entry(d, 0, 0, 0x00, 0xef, 2048, 0xffffffff);
  MemoryDisk disk(d);
  const Inspection r = inspect_disk(disk, {false});
  ASSERT_EQ(r.partitions.size(), 1u);
  EXPECT_EQ(r.partitions[0].type, "efi-system");
  EXPECT_EQ(r.firmware, Firmware::kUefi);
  EXPECT_NE(all_warnings(r).find("partition 1 extends past the end"), std::string::npos);
}

TEST(InspectParsers, ProtectiveMbrOverGarbageSaysNoValidGpt) {
  std::vector<uint8_t> d(kMiB, 0);
  put_entry(d, 0, 0, 0x00, 0xee, 1, 2047);
  std::memcpy(d.data() + 512, "EFI PART", 8);  // a signature, nothing else right
  MemoryDisk disk(d);
  const Inspection r = inspect_disk(disk, {false});
  EXPECT_EQ(r.table, TableKind::kGpt);
  EXPECT_TRUE(r.partitions.empty());
  const std::string w = all_warnings(r);
  EXPECT_NE(w.find("primary GPT at LBA 1: header size 0 is out of range"), std::string::npos) << w;
  EXPECT_NE(w.find("backup GPT at LBA 2047: no GPT signature"), std::string::npos) << w;
}

}  // namespace
}  // namespace mm::inspect
