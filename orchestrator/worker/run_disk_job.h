#pragma once
// A disk job run to its end from the caller's thread: for a step that blocks until its copy is
// done (the scheduler's DiskCopier). The worker's own thread still does the watching.
#include <atomic>
#include <chrono>
#include <functional>

#include "orchestrator/worker/disk_job.h"
#include "orchestrator/worker/worker_status.h"

namespace mm::worker {

// Calls `on_progress` when the figures change (checked every `poll_interval`), cancels the job
// once `cancel` is true, and returns the final status (kSucceeded, kFailed or kCanceled).
WorkerStatus run_disk_job(DiskJob job,
                          const std::function<void(const WorkerProgress&)>& on_progress,
                          const std::atomic<bool>& cancel,
                          std::chrono::milliseconds poll_interval = std::chrono::milliseconds(250));

}  // namespace mm::worker
