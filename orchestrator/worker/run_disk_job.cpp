#include "orchestrator/worker/run_disk_job.h"

#include "orchestrator/worker/disk_worker.h"

namespace mm::worker {

WorkerStatus run_disk_job(DiskJob job,
                          const std::function<void(const WorkerProgress&)>& on_progress,
                          const std::atomic<bool>& cancel,
                          std::chrono::milliseconds poll_interval) {
  DiskWorker worker(std::move(job));
  uint64_t reported_done = 0, reported_total = 0;
  bool reported = false;
  for (;;) {
    const bool final = worker.wait_for(poll_interval);
    const WorkerStatus s = worker.status();
    if (on_progress && (!reported || s.progress.bytes_done != reported_done ||
                        s.progress.bytes_total != reported_total)) {
      reported = true;
      reported_done = s.progress.bytes_done;
      reported_total = s.progress.bytes_total;
      on_progress(s.progress);
    }
    if (final) return s;
    if (cancel) {
      worker.cancel();
      return worker.status();
    }
  }
}

}  // namespace mm::worker
