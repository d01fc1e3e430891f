#pragma once
// One disk job run to its end: an mm-transfer process started, watched and, when it dies, restarted
// from its checkpoint (docs/disk-workers.md). A thread of its own does all of that; the scheduler
// only reads status() and may cancel().
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "orchestrator/worker/disk_job.h"
#include "orchestrator/worker/worker_status.h"

namespace mm::worker {

class DiskWorker {
 public:
  // Called once, from the worker's thread, when it reaches a final state. It must not call back
  // into this worker's cancel() or destructor.
  using FinishCallback = std::function<void(const WorkerStatus&)>;

  // Starts at once. A job that cannot make a command (see job_arguments) ends kFailed.
  explicit DiskWorker(DiskJob job, FinishCallback on_finish = {});
  ~DiskWorker();  // cancel()
  DiskWorker(const DiskWorker&) = delete;
  DiskWorker& operator=(const DiskWorker&) = delete;

  WorkerStatus status() const;  // a snapshot; never blocks on the process
  bool finished() const;
  // Kills the process group, waits for the process and the thread; kCanceled unless it had
  // already finished. Safe from any thread, more than once.
  void cancel();
  // Blocks until a final state or the timeout; true when final.
  bool wait_for(std::chrono::milliseconds timeout) const;

 private:
  struct RunOutcome;
  void supervise();
  RunOutcome run_once(const std::vector<std::string>& argv, const std::vector<std::string>& env);
  bool sleep_unless_canceled(std::chrono::milliseconds d);
  void finish(WorkerState state, const std::string& error);
  void wake();

  const DiskJob job_;
  FinishCallback on_finish_;
  int wake_fd_ = -1;  // eventfd: cancel() interrupts the poll and the backoff
  std::atomic<bool> cancel_requested_{false};
  mutable std::mutex mu_;
  mutable std::condition_variable finished_cv_;
  WorkerStatus status_;
  std::mutex join_mu_;
  std::thread thread_;
};

}  // namespace mm::worker
