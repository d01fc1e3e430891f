#include "transfer/tool/progress_display.h"

#include <unistd.h>

#include <cstdio>

namespace mm::transfer {

std::string human_size(double bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  int u = 0;
  while (bytes >= 1024 && u < 5) {
    bytes /= 1024;
    ++u;
  }
  char buf[32];
  snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.2f %s", bytes, units[u]);
  return buf;
}

namespace {

std::string clock_text(double seconds) {
  if (seconds < 0 || seconds > 99 * 3600) return "--:--";
  const long s = static_cast<long>(seconds + 0.5);
  char buf[32];
  if (s >= 3600) {
    snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
  } else {
    snprintf(buf, sizeof buf, "%02ld:%02ld", s / 60, s % 60);
  }
  return buf;
}

}  // namespace

ProgressDisplay::ProgressDisplay(std::string label)
    : label_(std::move(label)), tty_(isatty(STDERR_FILENO) == 1) {}

void ProgressDisplay::update(const CopyProgress& p) {
  const double fraction =
      p.total_bytes == 0 ? 1.0 : static_cast<double>(p.done_bytes) / static_cast<double>(p.total_bytes);
  const double rate = p.seconds > 0 ? static_cast<double>(p.done_bytes) / p.seconds : 0;
  const double eta = rate > 0 ? static_cast<double>(p.total_bytes - p.done_bytes) / rate : -1;
  if (tty_) {
    constexpr int kWidth = 30;
    const int filled = static_cast<int>(fraction * kWidth);
    std::string bar(static_cast<size_t>(filled), '#');
    bar.resize(kWidth, ' ');
    fprintf(stderr, "\r%s [%s] %5.1f%% %s / %s  %s/s  ETA %s \033[K", label_.c_str(), bar.c_str(),
            fraction * 100, human_size(static_cast<double>(p.done_bytes)).c_str(),
            human_size(static_cast<double>(p.total_bytes)).c_str(), human_size(rate).c_str(),
            clock_text(eta).c_str());
    fflush(stderr);
    drawn_ = true;
    return;
  }
  if (p.seconds - last_line_at_ < 5 && fraction < 1.0) return;
  last_line_at_ = p.seconds;
  fprintf(stderr, "%s: %.1f%% (%s of %s) at %s/s, ETA %s\n", label_.c_str(), fraction * 100,
          human_size(static_cast<double>(p.done_bytes)).c_str(),
          human_size(static_cast<double>(p.total_bytes)).c_str(), human_size(rate).c_str(),
          clock_text(eta).c_str());
}

void ProgressDisplay::finish() {
  if (tty_ && drawn_) fprintf(stderr, "\n");
}

}  // namespace mm::transfer
