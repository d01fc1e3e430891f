#pragma once
// Live progress for mm-transfer: a bar with bytes, rate and ETA on a terminal; off a terminal, one
// plain line every few seconds (logs, CI).
#include <chrono>
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

}  // namespace mm::transfer
