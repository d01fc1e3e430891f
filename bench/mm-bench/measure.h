#pragma once
// `mm-bench measure`: the copy engine against the user's own source and target. Each run is the
// daemon's own disk worker (orchestrator/worker: the same mm-transfer command line, process and
// report), so what is measured is what a migration will get: process start, connections, reads,
// writes and the final flush. A warm-up run first (caches, connections, the file's first
// allocation), then N runs per tuning; medians.
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "bench/mm-bench/measurements.h"

namespace mm::bench {

struct MeasureOptions {
  std::vector<std::string> sources;  // one per disk, any mm-transfer source
  std::string target = "null:";      // a path on the target's storage, or null: (source alone)
  bool overwrite = false;            // an existing target file or device may be written
  std::vector<uint64_t> connections = {4};
  std::vector<uint64_t> request_sizes = {0};  // 0: mm-transfer's default
  unsigned runs = 3;
  bool warm_up = true;
  std::vector<std::string> extra_args;  // --http-cookie-file F, --source-trust FP, ...
  std::string mm_transfer;              // the binary
};

// Runs everything; `log` gets one line per run. Throws std::runtime_error naming the run that
// failed (with mm-transfer's message).
Measurements run_measurements(const MeasureOptions& o,
                              const std::function<void(const std::string&)>& log);

// A local disk to measure when the user has none: nbdkit serving `size` bytes of random data on
// a unix socket (stopped by the destructor).
class LabDisk {
 public:
  explicit LabDisk(uint64_t size);
  ~LabDisk();
  LabDisk(const LabDisk&) = delete;
  LabDisk& operator=(const LabDisk&) = delete;
  const std::string& uri() const { return uri_; }

 private:
  std::string dir_, uri_, pid_file_;
};

}  // namespace mm::bench
