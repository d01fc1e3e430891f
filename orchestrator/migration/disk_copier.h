#pragma once
// One disk copy or top-up, run to its end: the step runner's view of the mm-transfer workers
// (orchestrator/worker). Kept as an interface so the steps do not care how the process is run.
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace mm::migration {

struct DiskCopyJob {
  std::string id;            // "<instance uuid>/<disk index>/<cycle>"
  bool sync = false;         // mm-transfer sync (changed areas) instead of copy
  std::string source;        // mm-transfer source URI
  std::string target;        // target path
  std::string checkpoint;    // resume record
  std::string extents_file;  // sync: the changed areas
  bool target_is_zero = false;
  std::vector<std::string> extra_args;
  std::map<std::string, std::string>
      environment;  // e.g. MM_HTTP_COOKIE (never on the command line)
};

struct DiskCopyProgress {
  int64_t bytes_done = 0, bytes_total = 0;
  double bytes_per_second = 0;
  int64_t eta_seconds = -1;
};

struct DiskCopyResult {
  bool ok = false;
  bool canceled = false;
  std::string error;
  std::string digest;  // copy only
  int restarts = 0;
};

class DiskCopier {
 public:
  virtual ~DiskCopier() = default;
  // Blocks until the job ends or `cancel` becomes true (then the process is killed).
  virtual DiskCopyResult run(const DiskCopyJob& job,
                             const std::function<void(const DiskCopyProgress&)>& on_progress,
                             const std::atomic<bool>& cancel) = 0;
};

}  // namespace mm::migration
