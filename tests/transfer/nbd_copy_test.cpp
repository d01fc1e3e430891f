// mm-transfer copy against real NBD servers, checked byte for byte against nbdcopy and qemu-img.
#include <gtest/gtest.h>

#include "tests/support/servers.h"
#include "tests/transfer/cli_run.h"

namespace mm::test {
namespace {

constexpr uint64_t kMiB = 1024 * 1024;

TEST(NbdCopy, SparseRandomDiskMatchesNbdcopy) {
  TempDir dir;
  NbdServer src = NbdServer::nbdkit(dir, "src", "sparse-random size=96M percent=30 seed=11");
  const ToolRun r = run_tool("copy " + src.uri() + " " + dir.file("mine.img") + " --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  must_run("nbdcopy '" + src.uri() + "' " + dir.file("theirs.img"));
  EXPECT_EQ(differences(dir.file("mine.img"), dir.file("theirs.img")), "");
  EXPECT_EQ(r.report["size"], 96 * kMiB);
  // Only the data (about 9.3 MiB of this disk, per nbdinfo --map --totals) is read, rounded to
  // 64 KiB leaves; the holes stay holes in the copy.
  const uint64_t data = 9768960;
  EXPECT_GE(r.report["bytes_read"].get<uint64_t>(), data);
  EXPECT_LT(r.report["bytes_read"].get<uint64_t>(), data + 2 * kMiB);
  EXPECT_LT(allocated_bytes(dir.file("mine.img")), data + 4 * kMiB);

  // The digest of the copy is the digest of the disk, whichever side it is computed from.
  const ToolRun of_source = run_tool("checksum " + src.uri() + " --json");
  const ToolRun of_copy = run_tool("checksum " + dir.file("theirs.img") + " --json");
  ASSERT_EQ(of_source.exit_code, 0) << of_source.err;
  EXPECT_EQ(of_source.report["digest"], r.report["digest"]);
  EXPECT_EQ(of_copy.report["digest"], r.report["digest"]);
}

TEST(NbdCopy, Qcow2ThroughQemuNbdMatchesQemuImg) {
  TempDir dir;
  const std::string qcow = dir.file("disk.qcow2");
  must_run("qemu-img create -q -f qcow2 " + qcow + " 40M");
  // Data, an explicit zero cluster over data, an unaligned write near the end.
  must_run(
      "qemu-io -f qcow2 -c 'write -P 0xab 1M 3M' -c 'write -P 0x11 9M 64k' -c 'write -z 2M 1M'"
      " -c 'write -P 0x5c 40955k 1k' " +
      qcow + " >/dev/null");
  NbdServer src = NbdServer::qemu_nbd(dir, "src", "-f qcow2 -r " + qcow);
  const ToolRun r = run_tool("copy " + src.uri() + " file:" + dir.file("mine.img") + " --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  must_run("qemu-img convert -O raw " + qcow + " " + dir.file("theirs.img"));
  EXPECT_EQ(differences(dir.file("mine.img"), dir.file("theirs.img")), "");
  EXPECT_LT(r.report["bytes_read"].get<uint64_t>(), 5 * kMiB);
}

TEST(NbdCopy, SizeThatIsNoMultipleOfASectorCopiesExactly) {
  TempDir dir;
  NbdServer src = NbdServer::nbdkit(dir, "src", "random size=5000003 seed=3");
  const ToolRun r = run_tool("copy " + src.uri() + " " + dir.file("mine.img") + " --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  must_run("nbdcopy '" + src.uri() + "' " + dir.file("theirs.img"));
  EXPECT_EQ(file_size(dir.file("mine.img")), 5000003u);
  EXPECT_EQ(differences(dir.file("mine.img"), dir.file("theirs.img")), "");
}

TEST(NbdCopy, NbdExportAsTargetWithSeveralConnections) {
  TempDir dir;
  must_run(
      "nbdkit --exit-with-parent -U - sparse-random size=48M percent=50 seed=5 --run "
      "'nbdcopy \"$uri\" " +
      dir.file("src.img") + "'");
  // The memory plugin allows multi-conn, so all four connections are used for writing.
  NbdServer dst = NbdServer::nbdkit(dir, "dst", "memory size=48M");
  const ToolRun r =
      run_tool("copy " + dir.file("src.img") + " '" + dst.uri() + "' --connections 4 --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  must_run("nbdcopy '" + dst.uri() + "' " + dir.file("back.img"));
  EXPECT_EQ(differences(dir.file("src.img"), dir.file("back.img")), "");
}

TEST(NbdCopy, ReusedNbdTargetIsZeroedWhereTheSourceIsZero) {
  TempDir dir;
  NbdServer src = NbdServer::nbdkit(dir, "src", "sparse-random size=32M percent=10 seed=8");
  NbdServer dst = NbdServer::nbdkit(dir, "dst", "memory size=32M");
  // Fill the target with other data first.
  must_run("nbdkit -U - pattern size=32M --run 'nbdcopy \"$uri\" \"" + dst.uri() + "\"'");
  const ToolRun r = run_tool("copy '" + src.uri() + "' '" + dst.uri() + "' --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_GT(r.report["bytes_zeroed"].get<uint64_t>(), 16 * kMiB);
  const ToolRun v = run_tool("verify '" + src.uri() + "' '" + dst.uri() + "' --json");
  EXPECT_EQ(v.exit_code, 0) << v.report.dump();
}

TEST(NbdCopy, NullTargetMeasuresTheSourceAlone) {
  TempDir dir;
  NbdServer src = NbdServer::nbdkit(dir, "src", "pattern size=16M");
  const ToolRun r = run_tool("copy '" + src.uri() + "' null: --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.report["bytes_read"], 16 * kMiB);
  const ToolRun c = run_tool("checksum '" + src.uri() + "' --json");
  EXPECT_EQ(c.report["digest"], r.report["digest"]);
}

TEST(NbdCopy, BadArgumentsAreUsageErrors) {
  EXPECT_EQ(run_tool("copy").exit_code, 2);
  const ToolRun r = run_tool("copy nbd://[::1 /tmp/x");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("nbd://[::1"), std::string::npos) << r.err;
  EXPECT_EQ(run_tool("copy null: /tmp/x --request-size 100K").exit_code, 2);
}

TEST(NbdCopy, UnreachableServerFailsWithTheAddress) {
  TempDir dir;
  const ToolRun r =
      run_tool("copy 'nbd+unix:///?socket=" + dir.file("none.sock") + "' " + dir.file("x.img"));
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("none.sock"), std::string::npos) << r.err;
}

TEST(NbdCopy, ServerThatRefusesSomeConnectionsIsCopiedOverThoseItAccepted) {
  // The extra connections shake hands together (nbd_connections.cpp); the limit filter lets two
  // clients in and refuses the others: the copy goes on over the two and says so once.
  TempDir dir;
  NbdServer src = NbdServer::nbdkit(
      dir, "src", "--filter=limit sparse-random size=16M percent=50 seed=4 limit=2");
  const ToolRun r = run_tool("copy " + src.uri() + " " + dir.file("mine.img") + " --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("accepted 2 of 4 connections"), std::string::npos) << r.err;
  must_run("nbdcopy '" + src.uri() + "' " + dir.file("theirs.img"));
  EXPECT_EQ(differences(dir.file("mine.img"), dir.file("theirs.img")), "");
}

}  // namespace
}  // namespace mm::test
