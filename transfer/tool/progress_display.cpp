#include "transfer/tool/progress_display.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string_view>

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

namespace mm::transfer {

namespace {

// The rate over this window is the "recent rate": it follows a slowing source within seconds.
constexpr double kRateWindowSeconds = 5;
constexpr double kMinLineInterval = 0.5;

// Writes the whole line or gives up: a broken progress pipe must not stop the copy.
bool write_all(int fd, const std::string& s) {
  size_t off = 0;
  while (off < s.size()) {
    const ssize_t n = ::write(fd, s.data() + off, s.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    off += static_cast<size_t>(n);
  }
  return true;
}

}  // namespace

ProgressStream::ProgressStream(int fd, std::string operation, uint64_t done_base,
                               uint64_t total_base)
    : fd_(fd), operation_(std::move(operation)), done_base_(done_base), total_base_(total_base) {}

void ProgressStream::start() {
  emit("starting", 0, 0, 0);
}

void ProgressStream::update(const CopyProgress& p) {
  last_ = p;
  recent_.emplace_back(p.seconds, p.done_bytes);
  while (recent_.size() > 2 && p.seconds - recent_.front().first > kRateWindowSeconds) {
    recent_.pop_front();
  }
  if (p.seconds - last_line_at_ < kMinLineInterval) return;
  last_line_at_ = p.seconds;
  emit("transferring", p.done_bytes, p.total_bytes, p.seconds);
}

void ProgressStream::finish() {
  emit("done", last_.total_bytes, last_.total_bytes, last_.seconds);
}

void ProgressStream::emit(const char* phase, uint64_t done, uint64_t total, double seconds) {
  if (fd_ < 0) return;
  const bool starting = std::string_view(phase) == "starting";
  const bool done_phase = std::string_view(phase) == "done";
  const uint64_t job_total = starting ? 0 : total + total_base_;
  const uint64_t job_done = starting ? 0 : std::min(done + done_base_, job_total);
  double rate = 0;
  if (recent_.size() >= 2 && recent_.back().first - recent_.front().first > 0.2) {
    rate = static_cast<double>(recent_.back().second - recent_.front().second) /
           (recent_.back().first - recent_.front().first);
  } else if (seconds > 0) {
    rate = static_cast<double>(done) / seconds;
  }
  nlohmann::json line = {{"type", "progress"},       {"operation", operation_},
                         {"phase", phase},           {"bytes_done", job_done},
                         {"bytes_total", job_total}, {"bytes_per_second", rate},
                         {"seconds", seconds}};
  if (done_phase) {
    line["eta_seconds"] = 0.0;
  } else if (rate > 0) {
    line["eta_seconds"] = static_cast<double>(job_total - job_done) / rate;
  } else {
    line["eta_seconds"] = nullptr;  // unknown until bytes move
  }
  if (!write_all(fd_, line.dump() + "\n")) fd_ = -1;
}

}  // namespace mm::transfer
