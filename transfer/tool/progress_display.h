#pragma once
// Live progress for mm-transfer: a bar with bytes, rate and ETA on a terminal; off a terminal, one
// plain line every few seconds (logs, CI).
#include <chrono>
#include <cstdint>
#include <deque>
#include <string>

#include "transfer/copier.h"

namespace mm::transfer {

class ProgressDisplay {
 public:
  explicit ProgressDisplay(std::string label);
  void update(const CopyProgress& p);
  void finish();

 private:
  std::string label_;
  bool tty_;
  double last_line_at_ = -1e9;
  bool drawn_ = false;
};

std::string human_size(double bytes);

// Machine-readable progress for a supervisor (--progress-fd N, docs/disk-workers.md): one JSON line
// per update on the descriptor, at most every 0.5 s, and always one at the end. The figures cover
// the whole job, not just this run: a run resumed from a checkpoint starts at what was already
// done.
class ProgressStream {
 public:
  // `operation` is "copy" or "sync". A resumed run counts from its checkpoint: `done_base` bytes of
  // the job were done before it, and its own total lacks `total_base` of the job's (copy: both are
  // the checkpoint's offset; sync: the run's total already is the whole change set).
  ProgressStream(int fd, std::string operation, uint64_t done_base, uint64_t total_base);
  void start();  // phase "starting": the process is up and connecting
  void update(const CopyProgress& p);
  void finish();  // phase "done": after the run returned (its last update was the final one)

 private:
  void emit(const char* phase, uint64_t done, uint64_t total, double seconds);

  int fd_;
  std::string operation_;
  uint64_t done_base_, total_base_;
  double last_line_at_ = -1e9;
  std::deque<std::pair<double, uint64_t>> recent_;  // (seconds, done) over the last few seconds
  CopyProgress last_{};                             // the run's final update carries done == total
};

}  // namespace mm::transfer
