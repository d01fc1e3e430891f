// DiskWorker with real mm-transfer processes and nbdkit sources: progress, the final report,
// restarts from the checkpoint, permanent failures, cancel and bad usage.
#include "orchestrator/worker/disk_worker.h"

#include <signal.h>

#include <cerrno>
#include <fstream>

#include "tests/worker/worker_fixture.h"

namespace mm::worker::test {

using mm::test::NbdServer;
using mm::test::TempDir;

TEST(DiskWorker, CopyReportsRisingProgressAndTheSourceDigest) {
  TempDir dir;
  // 16 MiB of data in 32 MiB, read 2 requests at a time at 40 ms each: about 1.5 s of copying.
  const std::string disk = "sparse-random size=32M percent=50 seed=7";
  NbdServer slow = NbdServer::nbdkit(dir, "slow", "--filter=delay " + disk + " rdelay=40ms");
  NbdServer fast = NbdServer::nbdkit(dir, "fast", disk);
  DiskJob job = copy_job(slow.uri(), dir.file("copy.img"), dir.file("copy.cp"));
  job.extra_args = {"--connections", "1", "--requests", "2"};
  DiskWorker worker(job);
  std::vector<WorkerProgress> seen;
  while (!worker.wait_for(20ms)) {
    const WorkerStatus s = worker.status();
    if (s.progress.bytes_total > 0) seen.push_back(s.progress);
  }
  const WorkerStatus s = worker.status();
  ASSERT_EQ(s.state, WorkerState::kSucceeded) << s.error;
  EXPECT_EQ(s.restarts, 0u);
  EXPECT_EQ(s.last_exit_code, 0);
  EXPECT_EQ(s.pid, 0);
  EXPECT_EQ(s.progress.phase, "done");
  EXPECT_EQ(s.progress.bytes_done, 32 * kMiB);
  EXPECT_EQ(s.progress.bytes_total, 32 * kMiB);
  ASSERT_TRUE(s.progress.eta_seconds);
  EXPECT_EQ(*s.progress.eta_seconds, 0);
  // Lines come at most every 0.5 s: a 1.5 s copy shows at least one between start and end.
  size_t in_between = 0;
  for (size_t i = 0; i < seen.size(); ++i) {
    EXPECT_EQ(seen[i].bytes_total, 32 * kMiB);
    if (i > 0) {
      EXPECT_GE(seen[i].bytes_done, seen[i - 1].bytes_done);
    }
    if (seen[i].bytes_done > 0 && seen[i].bytes_done < 32 * kMiB) {
      ++in_between;
      EXPECT_GT(seen[i].bytes_per_second, 0);
      EXPECT_TRUE(seen[i].eta_seconds);
    }
  }
  EXPECT_GE(in_between, 1u);
  ASSERT_TRUE(s.result);
  EXPECT_EQ(s.result->size, 32 * kMiB);
  EXPECT_EQ(s.result->resumed_from, 0u);
  EXPECT_EQ(s.result->digest, checksum(fast.uri()));
  EXPECT_EQ(checksum(dir.file("copy.img")), s.result->digest);
}

TEST(DiskWorker, SyncCopiesTheChangedAreasOfItsExtentsFile) {
  TempDir dir;
  const std::string src = dir.file("src.img"), dst = dir.file("dst.img");
  mm::test::must_run("head -c 32M /dev/urandom > " + src);
  mm::test::must_run(mm::test::mm_transfer() + " copy " + src + " " + dst);
  // Three areas change on the source after the first copy; only they are listed.
  const std::vector<std::pair<uint64_t, uint64_t>> areas = {
      {1 * kMiB, 64 * 1024}, {10 * kMiB + 4096, 8192}, {30 * kMiB, 1 * kMiB}};
  std::string json = "[";
  uint64_t changed = 0;
  for (const auto& [off, len] : areas) {
    mm::test::must_run("dd if=/dev/urandom of=" + src +
                       " bs=4096 seek=" + std::to_string(off / 4096) +
                       " count=" + std::to_string(len / 4096) + " conv=notrunc status=none");
    json += (changed ? "," : "") + std::string("{\"offset\":") + std::to_string(off) +
            ",\"length\":" + std::to_string(len) + "}";
    changed += len;
  }
  std::ofstream(dir.file("changed.json")) << json << "]";
  NbdServer server = NbdServer::nbdkit(dir, "src", "file " + src);
  ASSERT_NE(mm::test::run_command("cmp -s " + src + " " + dst).exit_code, 0);

  DiskJob job = copy_job(server.uri(), dst, dir.file("sync.cp"));
  job.operation = TransferOperation::kSync;
  job.extents_file = dir.file("changed.json");
  DiskWorker worker(job);
  ASSERT_TRUE(worker.wait_for(60s));
  const WorkerStatus s = worker.status();
  ASSERT_EQ(s.state, WorkerState::kSucceeded) << s.error;
  ASSERT_TRUE(s.result);
  EXPECT_EQ(s.result->bytes_changed, changed);
  EXPECT_LE(s.result->bytes_read, changed);
  EXPECT_EQ(s.result->digest, "");
  EXPECT_EQ(s.progress.bytes_done, changed);
  EXPECT_EQ(s.progress.bytes_total, changed);
  EXPECT_EQ(mm::test::run_command("cmp " + src + " " + dst).exit_code, 0);
}

TEST(DiskWorker, AKilledProcessIsRestartedFromItsCheckpoint) {
  TempDir dir;
  // Dense 32 MiB, one request at a time at 20 ms: about 2.6 s. One server thread (-t 1): nbdkit
  // 1.32 aborts when a client vanishes while several threads answer it.
  NbdServer slow =
      NbdServer::nbdkit(dir, "slow", "-t 1 --filter=delay random size=32M seed=9 rdelay=20ms");
  NbdServer fast = NbdServer::nbdkit(dir, "fast", "random size=32M seed=9");
  DiskJob job = copy_job(slow.uri(), dir.file("copy.img"), dir.file("copy.cp"));
  job.extra_args = {"--connections", "1", "--requests", "1", "--checkpoint-interval", "4M"};
  DiskWorker worker(job);
  ASSERT_TRUE(eventually([&] { return worker.status().progress.bytes_done >= 12 * kMiB; }))
      << worker.status().error;
  const WorkerStatus before = worker.status();
  ASSERT_EQ(before.state, WorkerState::kRunning);
  ASSERT_GT(before.pid, 0);
  ASSERT_EQ(::kill(before.pid, SIGKILL), 0);

  ASSERT_TRUE(worker.wait_for(60s));
  const WorkerStatus s = worker.status();
  ASSERT_EQ(s.state, WorkerState::kSucceeded) << s.error;
  EXPECT_EQ(s.restarts, 1u);
  EXPECT_NE(s.error.find("killed by signal 9"), std::string::npos)
      << s.error;  // the restart's cause
  ASSERT_TRUE(s.result);
  EXPECT_GE(s.result->resumed_from, 4 * kMiB);  // the second process did not start over
  EXPECT_LE(s.result->bytes_read, 32 * kMiB - s.result->resumed_from);
  EXPECT_EQ(s.result->digest, checksum(fast.uri()));
  EXPECT_EQ(checksum(dir.file("copy.img")), s.result->digest);
  EXPECT_EQ(::kill(before.pid, 0), -1);
}

TEST(DiskWorker, APermanentlyFailingSourceEndsFailedAfterTheConfiguredRestarts) {
  TempDir dir;
  NbdServer src = NbdServer::nbdkit(
      dir, "src", "--filter=error pattern size=16M error=EIO error-pread-rate=100%");
  DiskJob job = copy_job(src.uri(), dir.file("copy.img"), dir.file("copy.cp"));
  job.restart.max_restarts = 2;
  DiskWorker worker(job);
  ASSERT_TRUE(worker.wait_for(60s));
  const WorkerStatus s = worker.status();
  EXPECT_EQ(s.state, WorkerState::kFailed);
  EXPECT_EQ(s.restarts, 2u);
  EXPECT_EQ(s.last_exit_code, 3);
  EXPECT_FALSE(s.result);
  EXPECT_NE(s.error.find("exited with status 3"), std::string::npos) << s.error;
  EXPECT_NE(s.error.find("Input/output error"), std::string::npos) << s.error;
  EXPECT_NE(s.error.find("after 2 restarts"), std::string::npos) << s.error;
  ASSERT_FALSE(s.stderr_tail.empty());
}

TEST(DiskWorker, CancelStopsTheProcessAtOnce) {
  TempDir dir;
  NbdServer slow =
      NbdServer::nbdkit(dir, "slow", "-t 1 --filter=delay random size=32M seed=2 rdelay=100ms");
  DiskJob job = copy_job(slow.uri(), dir.file("copy.img"), dir.file("copy.cp"));
  job.extra_args = {"--connections", "1", "--requests", "1"};
  DiskWorker worker(job);
  ASSERT_TRUE(eventually([&] { return worker.status().progress.bytes_done > 0; }));
  const pid_t pid = worker.status().pid;
  ASSERT_GT(pid, 0);
  const auto t0 = std::chrono::steady_clock::now();
  worker.cancel();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
  const WorkerStatus s = worker.status();
  EXPECT_EQ(s.state, WorkerState::kCanceled);
  EXPECT_EQ(s.pid, 0);
  EXPECT_EQ(s.restarts, 0u);
  errno = 0;
  EXPECT_EQ(::kill(pid, 0), -1);
  EXPECT_EQ(errno, ESRCH);
  worker.cancel();  // again: nothing left to do
  EXPECT_EQ(worker.status().state, WorkerState::kCanceled);
}

TEST(DiskWorker, BadUsageIsNotRetried) {
  TempDir dir;
  DiskJob job = copy_job(dir.file("missing-source.img"), dir.file("copy.img"));
  job.extra_args = {"--request-size", "100"};  // not a multiple of 64K
  DiskWorker worker(job);
  ASSERT_TRUE(worker.wait_for(30s));
  const WorkerStatus s = worker.status();
  EXPECT_EQ(s.state, WorkerState::kFailed);
  EXPECT_EQ(s.restarts, 0u);
  EXPECT_EQ(s.last_exit_code, 2);
  EXPECT_NE(s.error.find("bad usage, not retried"), std::string::npos) << s.error;
  EXPECT_NE(s.error.find("request-size"), std::string::npos) << s.error;
}

TEST(DiskWorker, AMissingBinaryFailsWithoutRestarts) {
  TempDir dir;
  DiskJob job = copy_job(dir.file("a.img"), dir.file("b.img"));
  job.mm_transfer_path = dir.file("no-such-mm-transfer");
  DiskWorker worker(job);
  ASSERT_TRUE(worker.wait_for(10s));
  const WorkerStatus s = worker.status();
  EXPECT_EQ(s.state, WorkerState::kFailed);
  EXPECT_EQ(s.restarts, 0u);
  EXPECT_NE(s.error.find("No such file or directory"), std::string::npos) << s.error;
}

TEST(DiskWorker, AStalledProcessIsKilled) {
  TempDir dir;
  // Every read takes 30 s: nothing moves within the 1 s stall limit.
  NbdServer stuck =
      NbdServer::nbdkit(dir, "stuck", "-t 1 --filter=delay random size=16M seed=1 rdelay=30");
  DiskJob job = copy_job(stuck.uri(), dir.file("copy.img"));
  job.extra_args = {"--connections", "1", "--requests", "1"};
  job.restart.max_restarts = 0;
  job.restart.stall_timeout = 1s;
  DiskWorker worker(job);
  ASSERT_TRUE(worker.wait_for(20s));
  const WorkerStatus s = worker.status();
  EXPECT_EQ(s.state, WorkerState::kFailed);
  EXPECT_NE(s.error.find("made no progress for 1000 ms"), std::string::npos) << s.error;
}

}  // namespace mm::worker::test
