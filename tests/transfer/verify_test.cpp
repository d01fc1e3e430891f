// mm-transfer verify finds every differing byte and says where; identical disks pass.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "tests/support/servers.h"
#include "tests/transfer/cli_run.h"

namespace mm::test {
namespace {

void poke(const std::string& path, uint64_t offset, unsigned char value) {
  const int fd = ::open(path.c_str(), O_WRONLY);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::pwrite(fd, &value, 1, static_cast<off_t>(offset)), 1);
  ::close(fd);
}

TEST(Verify, IdenticalCopyPasses) {
  TempDir dir;
  NbdServer src = NbdServer::nbdkit(dir, "src", "sparse-random size=32M percent=20 seed=2");
  ASSERT_EQ(run_tool("copy '" + src.uri() + "' " + dir.file("copy.img")).exit_code, 0);
  const ToolRun v = run_tool("verify '" + src.uri() + "' " + dir.file("copy.img") + " --json");
  EXPECT_EQ(v.exit_code, 0) << v.err;
  EXPECT_EQ(v.report["identical"], true);
  EXPECT_GT(v.report["bytes_skipped"].get<uint64_t>(), 0u);  // holes on both sides are not read
}

TEST(Verify, EveryFlippedByteIsReportedWithItsOffset) {
  TempDir dir;
  NbdServer src = NbdServer::nbdkit(dir, "src", "sparse-random size=32M percent=20 seed=2");
  const std::string copy = dir.file("copy.img");
  ASSERT_EQ(run_tool("copy '" + src.uri() + "' " + copy).exit_code, 0);
  // One byte inside a hole of the source (the copy now holds data there) and one far away.
  poke(copy, 12345, 0x5a);
  poke(copy, 30 * 1024 * 1024 + 7, 0xa5);
  const ToolRun v = run_tool("verify '" + src.uri() + "' " + copy + " --json");
  EXPECT_EQ(v.exit_code, 1);
  ASSERT_EQ(v.report["mismatches"].size(), 2u) << v.report.dump();
  for (uint64_t offset : {uint64_t(12345), uint64_t(30 * 1024 * 1024 + 7)}) {
    bool found = false;
    for (const auto& m : v.report["mismatches"]) {
      const uint64_t o = m["offset"], l = m["length"];
      if (offset >= o && offset < o + l && l <= 4096) found = true;
    }
    EXPECT_TRUE(found) << "offset " << offset << " not reported: " << v.report.dump();
  }
  const ToolRun text = run_tool("verify '" + src.uri() + "' " + copy);
  EXPECT_NE(text.exit_code, 0);
}

TEST(Verify, DifferentSizesAreADifference) {
  TempDir dir;
  must_run("truncate -s 1M " + dir.file("a.img") + " && truncate -s 2M " + dir.file("b.img"));
  const ToolRun v = run_tool("verify " + dir.file("a.img") + " " + dir.file("b.img") + " --json");
  EXPECT_EQ(v.exit_code, 1);
  EXPECT_EQ(v.report["identical"], false);
}

}  // namespace
}  // namespace mm::test
