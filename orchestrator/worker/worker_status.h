#pragma once
// What a disk worker reports: a snapshot the scheduler reads without blocking.
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mm::worker {

enum class WorkerState {
  kRunning,     // a process is running (or starting)
  kRestarting,  // the process died; waiting out the backoff before the next one
  kSucceeded,
  kFailed,
  kCanceled,
};

// "running", "restarting", "succeeded", "failed", "canceled".
const char* state_name(WorkerState s);
inline bool is_final(WorkerState s) {
  return s == WorkerState::kSucceeded || s == WorkerState::kFailed || s == WorkerState::kCanceled;
}

// The last progress line of the process (--progress-fd): whole-job figures, resumed runs included.
struct WorkerProgress {
  std::string phase;  // "" before the first line, then "starting", "transferring", "done"
  uint64_t bytes_done = 0;
  uint64_t bytes_total = 0;           // 0 until the source is open
  double bytes_per_second = 0;        // recent rate
  std::optional<double> eta_seconds;  // unknown until bytes move
  double seconds = 0;                 // since this process started
};

// The final --json report of a successful run.
struct TransferResult {
  uint64_t size = 0;
  uint64_t bytes_read = 0;
  uint64_t bytes_written = 0;
  uint64_t bytes_zeroed = 0;
  uint64_t bytes_skipped = 0;
  uint64_t bytes_changed = 0;  // sync: the change set
  uint64_t resumed_from = 0;   // of the last run
  uint64_t retries = 0;
  uint64_t reconnects = 0;
  double seconds = 0;  // of the last run
  double throughput_bytes_per_second = 0;
  std::string digest;  // copy: the disk digest (docs/digest.md); empty for sync
  std::string report;  // the report line as printed, for the record
};

struct WorkerStatus {
  WorkerState state = WorkerState::kRunning;
  WorkerProgress progress;
  unsigned restarts = 0;                 // processes started after the first
  pid_t pid = 0;                         // the running process, 0 when none
  std::optional<TransferResult> result;  // kSucceeded
  std::string error;                     // kFailed: names the cause; also the last restart's cause
  int last_exit_code = -1;  // of the last process: its status, or 128 + signal; -1 none yet
  std::vector<std::string> stderr_tail;  // the last lines mm-transfer wrote on stderr
  std::chrono::steady_clock::time_point started_at, finished_at;
};

}  // namespace mm::worker
