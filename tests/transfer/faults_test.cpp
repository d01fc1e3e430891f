// Faults a real transfer meets: read errors (transient and permanent), a server that dies and
// comes back, and a target that fills up.
#include <gtest/gtest.h>
#include <sys/mount.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "tests/support/servers.h"
#include "tests/transfer/cli_run.h"
#include "transfer/checkpoint.h"

namespace mm::test {
namespace {

constexpr uint64_t kMiB = 1024 * 1024;

TEST(Faults, TransientReadErrorsAreRetried) {
  TempDir dir;
  // One read in ten fails with EIO; every retry has a fresh chance.
  NbdServer src = NbdServer::nbdkit(
      dir, "src", "--filter=error sparse-random size=32M percent=50 seed=4 error=EIO error-pread-rate=10%");
  NbdServer clean = NbdServer::nbdkit(dir, "clean", "sparse-random size=32M percent=50 seed=4");
  const ToolRun r = run_tool("copy '" + src.uri() + "' " + dir.file("copy.img") + " --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_GT(r.report["retries"].get<uint64_t>(), 0u);
  must_run("nbdcopy '" + clean.uri() + "' " + dir.file("reference.img"));
  EXPECT_EQ(differences(dir.file("copy.img"), dir.file("reference.img")), "");
}

TEST(Faults, PermanentReadErrorStopsWithTheOffset) {
  TempDir dir;
  NbdServer src = NbdServer::nbdkit(dir, "src", "--filter=error pattern size=8M error=EIO error-pread-rate=100%");
  const ToolRun r = run_tool("copy '" + src.uri() + "' " + dir.file("copy.img"));
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("at offset"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("Input/output error"), std::string::npos) << r.err;
}

TEST(Faults, ServerKilledAndRestartedMidCopyIsReconnected) {
  TempDir dir;
  must_run("nbdkit -U - random size=48M seed=6 --run 'nbdcopy \"$uri\" " + dir.file("disk.img") + "'");
  // Slow reads (10 ms each, one at a time) keep the copy running for about 2 s.
  const std::string server_args = "--filter=delay file " + dir.file("disk.img") + " rdelay=10ms";
  auto src = std::make_unique<NbdServer>(NbdServer::nbdkit(dir, "src", server_args));
  const std::string out = dir.file("copy.out");
  BackgroundProcess copy(mm_transfer() + " copy '" + src->uri() + "' " + dir.file("copy.img") +
                             " --connections 1 --requests 1 --json",
                         out);
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  ASSERT_TRUE(copy.running()) << "the copy ended before the server was killed";
  src->stop();
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  src = std::make_unique<NbdServer>(NbdServer::nbdkit(dir, "src", server_args));
  EXPECT_EQ(copy.wait(), 0);
  std::ifstream in(out);
  std::string last, line;
  while (std::getline(in, line)) {
    if (!line.empty() && line[0] == '{') last = line;
  }
  const auto report = nlohmann::json::parse(last, nullptr, false);
  ASSERT_TRUE(report.is_object()) << "no JSON report in " << out;
  EXPECT_GE(report["reconnects"].get<uint64_t>(), 1u);
  EXPECT_EQ(differences(dir.file("copy.img"), dir.file("disk.img")), "");
}

TEST(Faults, FullTargetStopsWithAClearMessageAndAValidCheckpoint) {
  TempDir dir;
  const std::string mnt = dir.file("small");
  must_run("mkdir -p " + mnt);
  // Needs root (CI runs as root): a failure here is a failure, not a skip.
  ASSERT_EQ(::mount("tmpfs", mnt.c_str(), "tmpfs", 0, "size=8m"), 0) << "cannot mount a tmpfs on " << mnt;
  NbdServer src = NbdServer::nbdkit(dir, "src", "random size=32M seed=1");
  const std::string cp = dir.file("cp.json");
  // One request at a time, so checkpoints at 1 MiB, 2 MiB, ... are written before the disk fills.
  const ToolRun r = run_tool("copy '" + src.uri() + "' " + mnt + "/copy.img --checkpoint " + cp +
                             " --checkpoint-interval 1M --connections 1 --requests 1");
  ::umount2(mnt.c_str(), MNT_DETACH);
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("is full"), std::string::npos) << r.err;
  const auto saved = transfer::load_checkpoint(cp);
  ASSERT_TRUE(saved.has_value());
  EXPECT_GE(saved->done_offset, 1 * kMiB);
  EXPECT_LE(saved->done_offset, 8 * kMiB);
  EXPECT_NE(r.err.find("run the same command again to resume"), std::string::npos) << r.err;
  EXPECT_EQ(saved->identity.size, 32 * kMiB);
}

}  // namespace
}  // namespace mm::test
