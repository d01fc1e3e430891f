// `mm-transfer inspect DISK [--json]` on files: the JSON shape other parts read
// (interfaces: size, partition_table, firmware, partitions, os), the table, the exit codes.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/inspect/disk_images.h"
#include "tests/support/servers.h"

namespace mm::test {
namespace {

using images::kMiB;

TEST(InspectCli, JsonOfGptDebian) {
  TempDir dir;
  const std::string img = images::gpt_debian(dir);
  const CommandResult r = run_command(mm_transfer() + " inspect " + img + " --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["size"], 50 * kMiB);
  EXPECT_EQ(j["partition_table"], "gpt");
  EXPECT_EQ(j["firmware"], "uefi");
  ASSERT_EQ(j["partitions"].size(), 3u);
  EXPECT_EQ(j["partitions"][0], nlohmann::json({{"number", 1},
                                                {"start", kMiB},
                                                {"size", 8 * kMiB},
                                                {"type", "efi-system"},
                                                {"filesystem", "vfat"},
                                                {"label", "ESP"}}));
  EXPECT_EQ(j["partitions"][1]["filesystem"], "ext4");
  EXPECT_EQ(j["os"], nlohmann::json({{"family", "linux"},
                                     {"id", "debian"},
                                     {"name", "Debian GNU/Linux"},
                                     {"version", "12"},
                                     {"pretty_name", "Debian GNU/Linux 12 (bookworm)"},
                                     {"source", "partition 2 (ext4) /etc/os-release"}}));
  EXPECT_EQ(j["warnings"], nlohmann::json::array());
}

TEST(InspectCli, TableOfMbrCentos) {
  TempDir dir;
  const CommandResult r = run_command(mm_transfer() + " inspect " + images::mbr_centos(dir));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("partition table mbr, firmware bios"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("extended"), std::string::npos) << r.out;
  EXPECT_NE(
      r.out.find("os: linux, CentOS Linux 7 (Core) (from partition 1 (ext4) /etc/os-release)"),
      std::string::npos)
      << r.out;
}

TEST(InspectCli, GarbageIsExitZeroWithNothing) {
  TempDir dir;
  const CommandResult r =
      run_command(mm_transfer() + " inspect " + images::garbage(dir) + " --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["partition_table"], "none");
  EXPECT_EQ(j["firmware"], "unknown");
  EXPECT_EQ(j["partitions"], nlohmann::json::array());
  EXPECT_EQ(j["os"]["family"], "unknown");
}

TEST(InspectCli, UnreadableDiskIsExitOne) {
  TempDir dir;
  const CommandResult r = run_command(mm_transfer() + " inspect " + dir.file("missing.img"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("cannot inspect"), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");
}

}  // namespace
}  // namespace mm::test
