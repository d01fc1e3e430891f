#pragma once
// DiskCopier over the mm-transfer worker supervisor (orchestrator/worker): one process per disk
// job, restarted from its checkpoint when it dies.
#include <chrono>
#include <string>

#include "orchestrator/migration/disk_copier.h"

namespace mm::migration {

struct WorkerCopierOptions {
  std::string mm_transfer_path;  // the daemon's: next to its own executable
  int max_restarts = 5;
  std::chrono::milliseconds first_backoff{1000};
};

class WorkerCopier final : public DiskCopier {
 public:
  explicit WorkerCopier(WorkerCopierOptions options) : options_(std::move(options)) {}
  DiskCopyResult run(const DiskCopyJob& job,
                     const std::function<void(const DiskCopyProgress&)>& on_progress,
                     const std::atomic<bool>& cancel) override;

 private:
  WorkerCopierOptions options_;
};

}  // namespace mm::migration
