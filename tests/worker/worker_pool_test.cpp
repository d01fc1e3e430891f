// WorkerPool: several workers by id, read and cancelled from another thread while they run.
#include "orchestrator/worker/worker_pool.h"

#include <signal.h>

#include <atomic>
#include <cerrno>

#include "orchestrator/worker/run_disk_job.h"
#include "tests/worker/worker_fixture.h"

namespace mm::worker::test {

using mm::test::NbdServer;
using mm::test::TempDir;

TEST(WorkerPool, RunsSeveralDisksByIdAndTellsWhenEachEnds) {
  TempDir dir;
  NbdServer src = NbdServer::nbdkit(dir, "src", "sparse-random size=16M percent=30 seed=5");
  std::mutex mu;
  std::vector<std::string> ended;
  WorkerPool pool([&](const std::string& id, const WorkerStatus& s) {
    std::lock_guard lock(mu);
    ended.push_back(id + ":" + state_name(s.state));
  });
  const std::string uuid = "3f1e2d4c-0000-4000-8000-000000000001";
  for (int disk = 0; disk < 3; ++disk) {
    const std::string n = std::to_string(disk);
    ASSERT_TRUE(
        pool.start(uuid + "/" + n + "/background",
                   copy_job(src.uri(), dir.file("disk" + n + ".img"), dir.file(n + ".cp"))));
  }
  EXPECT_EQ(pool.ids().size(), 3u);
  ASSERT_TRUE(eventually([&] {
    std::lock_guard lock(mu);
    return ended.size() == 3;
  }));
  const std::string digest = checksum(src.uri());
  for (const auto& [id, s] : pool.statuses()) {
    EXPECT_EQ(s.state, WorkerState::kSucceeded) << id << ": " << s.error;
    ASSERT_TRUE(s.result) << id;
    EXPECT_EQ(s.result->digest, digest) << id;
  }
  EXPECT_FALSE(pool.status("nope"));
  EXPECT_FALSE(pool.cancel("nope"));
  // A finished id may be started again (the next cycle of a disk); removing forgets it.
  EXPECT_TRUE(pool.start(uuid + "/0/background",
                         copy_job(src.uri(), dir.file("again.img"), dir.file("again.cp"))));
  EXPECT_TRUE(pool.remove(uuid + "/0/background"));
  EXPECT_FALSE(pool.status(uuid + "/0/background"));
}

TEST(WorkerPool, ARunningIdIsNotStartedTwiceAndCancelLeavesNoProcess) {
  TempDir dir;
  NbdServer slow =
      NbdServer::nbdkit(dir, "slow", "-t 1 --filter=delay random size=32M seed=4 rdelay=100ms");
  WorkerPool pool;
  DiskJob job = copy_job(slow.uri(), dir.file("copy.img"), dir.file("copy.cp"));
  job.extra_args = {"--connections", "1", "--requests", "1"};
  ASSERT_TRUE(pool.start("vm/0/background", job));
  EXPECT_FALSE(pool.start("vm/0/background", job));
  ASSERT_TRUE(eventually([&] { return pool.status("vm/0/background")->pid > 0; }));
  const pid_t pid = pool.status("vm/0/background")->pid;
  // Readers on another thread while the scheduler's thread cancels.
  std::atomic<bool> stop{false};
  std::thread reader([&] {
    while (!stop) (void)pool.statuses();
  });
  EXPECT_TRUE(pool.cancel("vm/0/background"));
  stop = true;
  reader.join();
  EXPECT_EQ(pool.status("vm/0/background")->state, WorkerState::kCanceled);
  errno = 0;
  EXPECT_EQ(::kill(pid, 0), -1);
  EXPECT_EQ(errno, ESRCH);
}

TEST(RunDiskJob, BlocksUntilTheEndAndReportsProgress) {
  TempDir dir;
  NbdServer src = NbdServer::nbdkit(dir, "src", "--filter=delay pattern size=16M rdelay=20ms");
  DiskJob job = copy_job(src.uri(), dir.file("copy.img"));
  job.extra_args = {"--connections", "1", "--requests", "2"};
  std::atomic<bool> cancel{false};
  uint64_t last_done = 0;
  const WorkerStatus s = run_disk_job(
      job, [&](const WorkerProgress& p) { last_done = p.bytes_done; }, cancel, 50ms);
  ASSERT_EQ(s.state, WorkerState::kSucceeded) << s.error;
  EXPECT_EQ(last_done, 16 * kMiB);
}

}  // namespace mm::worker::test
