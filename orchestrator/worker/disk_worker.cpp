#include "orchestrator/worker/disk_worker.h"

#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <system_error>

#include "orchestrator/worker/child_process.h"
#include "orchestrator/worker/job_command.h"
#include "orchestrator/worker/line_buffer.h"
#include "orchestrator/worker/report_parse.h"

extern char** environ;

namespace mm::worker {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr size_t kStderrLines = 20;
// After the process exits, how long its pipes may still deliver (only something it started and
// left behind could hold them open longer).
constexpr milliseconds kDrainTime{1000};

std::chrono::milliseconds backoff(const RestartPolicy& p, unsigned restart) {
  milliseconds d = p.first_backoff;
  for (unsigned i = 1; i < restart && d < p.max_backoff; ++i) d *= 2;
  return std::min(d, p.max_backoff);
}

std::string describe_exit(int code) {
  if (code < 0) return "ended with an unknown status";
  if (code > 128 && code < 128 + 65) {
    const char* name = sigdescr_np(code - 128);
    return "was killed by signal " + std::to_string(code - 128) +
           (name ? std::string(" (") + name + ")" : std::string());
  }
  return "exited with status " + std::to_string(code);
}

}  // namespace

struct DiskWorker::RunOutcome {
  int exit_code = -1;
  std::optional<std::string> spawn_error;
  std::optional<TransferResult> report;
  std::string last_stderr_line;
  bool stalled = false;
  bool report_unreadable = false;  // exit 0 with no report we could read
};

DiskWorker::DiskWorker(DiskJob job, FinishCallback on_finish)
    : job_(std::move(job)), on_finish_(std::move(on_finish)) {
  wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake_fd_ < 0) throw std::system_error(errno, std::generic_category(), "eventfd");
  status_.started_at = Clock::now();
  thread_ = std::thread([this] { supervise(); });
}

DiskWorker::~DiskWorker() {
  cancel();
  ::close(wake_fd_);
}

WorkerStatus DiskWorker::status() const {
  std::lock_guard lock(mu_);
  return status_;
}

bool DiskWorker::finished() const {
  std::lock_guard lock(mu_);
  return is_final(status_.state);
}

bool DiskWorker::wait_for(std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mu_);
  return finished_cv_.wait_for(lock, timeout, [this] { return is_final(status_.state); });
}

void DiskWorker::cancel() {
  cancel_requested_ = true;
  wake();
  std::lock_guard lock(join_mu_);
  if (thread_.joinable()) thread_.join();
}

void DiskWorker::wake() {
  const uint64_t one = 1;
  [[maybe_unused]] ssize_t n = ::write(wake_fd_, &one, sizeof one);
}

void DiskWorker::finish(WorkerState state, const std::string& error) {
  WorkerStatus snapshot;
  {
    std::lock_guard lock(mu_);
    status_.state = state;
    status_.pid = 0;
    if (!error.empty()) status_.error = error;
    status_.finished_at = Clock::now();
    snapshot = status_;
  }
  finished_cv_.notify_all();
  if (on_finish_) on_finish_(snapshot);
}

bool DiskWorker::sleep_unless_canceled(milliseconds d) {
  const auto until = Clock::now() + d;
  while (!cancel_requested_) {
    const auto left = std::chrono::duration_cast<milliseconds>(until - Clock::now());
    if (left.count() <= 0) return true;
    pollfd p{wake_fd_, POLLIN, 0};
    ::poll(&p, 1, static_cast<int>(left.count()) + 1);
  }
  return false;
}

void DiskWorker::supervise() {
  std::vector<std::string> argv;
  try {
    argv = job_arguments(job_);
  } catch (const std::invalid_argument& e) {
    finish(WorkerState::kFailed, std::string("bad job: ") + e.what());
    return;
  }
  const std::vector<std::string> env = job_environment(job_, environ);
  const std::string what = "mm-transfer " + argv[1];
  for (unsigned run = 0;; ++run) {
    if (run > 0) {
      {
        std::lock_guard lock(mu_);
        status_.state = WorkerState::kRestarting;
        status_.pid = 0;
      }
      if (!sleep_unless_canceled(backoff(job_.restart, run))) break;
      std::lock_guard lock(mu_);
      ++status_.restarts;
    }
    if (cancel_requested_) break;
    RunOutcome o = run_once(argv, env);
    if (o.exit_code == 0 && o.report) {
      {
        std::lock_guard lock(mu_);
        status_.result = std::move(o.report);
      }
      finish(WorkerState::kSucceeded, "");
      return;
    }
    if (cancel_requested_) break;
    if (o.spawn_error) {  // a missing or unusable binary: no restart would help
      finish(WorkerState::kFailed, "cannot start " + what + ": " + *o.spawn_error);
      return;
    }
    std::string cause = what + " " + describe_exit(o.exit_code);
    if (o.stalled) {
      cause = what + " made no progress for " + std::to_string(job_.restart.stall_timeout.count()) +
              " ms and was killed";
    } else if (o.report_unreadable) {
      cause += " without a readable report";
    }
    if (!o.last_stderr_line.empty()) cause += ": " + o.last_stderr_line;
    if (o.exit_code == 2) {  // bad usage: the same command would be refused again
      finish(WorkerState::kFailed, cause + " (bad usage, not retried)");
      return;
    }
    unsigned restarts;
    {
      std::lock_guard lock(mu_);
      status_.error = cause;
      restarts = status_.restarts;
    }
    if (restarts >= job_.restart.max_restarts) {
      finish(WorkerState::kFailed,
             restarts == 0 ? cause
                           : cause + " (gave up after " + std::to_string(restarts) + " restarts)");
      return;
    }
  }
  finish(WorkerState::kCanceled, "");
}

DiskWorker::RunOutcome DiskWorker::run_once(const std::vector<std::string>& argv,
                                            const std::vector<std::string>& env) {
  RunOutcome out;
  std::optional<ChildProcess> child;
  try {
    child.emplace(ChildProcess::spawn(argv, env, kProgressFd));
  } catch (const SpawnError& e) {
    out.spawn_error = e.what();
    return out;
  }
  {
    std::lock_guard lock(mu_);
    status_.state = WorkerState::kRunning;
    status_.pid = child->pid();
    status_.progress.phase = "starting";
  }
  LineBuffer out_lines, err_lines, progress_lines;
  std::string last_stdout;
  uint64_t last_done = 0;
  auto last_advance = Clock::now();

  auto on_stdout = [&](std::string line) {
    if (!line.empty()) last_stdout = std::move(line);
  };
  auto on_stderr = [&](std::string line) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) return;
    out.last_stderr_line = line;
    std::lock_guard lock(mu_);
    status_.stderr_tail.push_back(std::move(line));
    if (status_.stderr_tail.size() > kStderrLines)
      status_.stderr_tail.erase(status_.stderr_tail.begin());
  };
  auto on_progress = [&](const std::string& line) {
    const std::optional<WorkerProgress> p = parse_progress_line(line);
    if (!p) return;
    if (p->bytes_done != last_done) {
      last_done = p->bytes_done;
      last_advance = Clock::now();
    }
    std::lock_guard lock(mu_);
    // A new process says "starting" before it knows the disk: keep the figures it resumes from.
    if (p->bytes_total == 0 && status_.progress.bytes_total != 0) {
      status_.progress.phase = p->phase;
      status_.progress.seconds = p->seconds;
    } else {
      status_.progress = *p;
    }
  };
  // Reads what one pipe holds now; closes it at end of input.
  auto drain = [&](int fd, LineBuffer& buf, auto&& handle) {
    char chunk[16384];
    for (;;) {
      const ssize_t n = ::read(fd, chunk, sizeof chunk);
      if (n > 0) {
        for (auto& line : buf.append(std::string_view(chunk, static_cast<size_t>(n)))) {
          handle(std::move(line));
        }
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno == EAGAIN) return;
      std::string rest = buf.take_rest();
      if (!rest.empty()) handle(std::move(rest));
      child->close_output(fd);
      return;
    }
  };

  bool exited = false;
  Clock::time_point drain_until{};
  for (;;) {
    std::vector<pollfd> fds = {{wake_fd_, POLLIN, 0}};
    if (!exited) fds.push_back({child->exit_fd(), POLLIN, 0});
    for (int fd : {child->stdout_fd(), child->stderr_fd(), child->progress_fd()}) {
      if (fd >= 0) fds.push_back({fd, POLLIN, 0});
    }
    const bool outputs_open =
        child->stdout_fd() >= 0 || child->stderr_fd() >= 0 || child->progress_fd() >= 0;
    if (exited && (!outputs_open || Clock::now() >= drain_until)) break;
    int timeout = -1;
    if (exited) {
      timeout = static_cast<int>(
          std::chrono::duration_cast<milliseconds>(drain_until - Clock::now()).count() + 1);
    } else if (job_.restart.stall_timeout.count() > 0) {
      timeout = 250;  // often enough to notice a stall
    }
    if (::poll(fds.data(), fds.size(), timeout) < 0 && errno != EINTR) break;
    for (const pollfd& p : fds) {
      if (p.revents == 0) continue;
      if (p.fd == wake_fd_) {
        uint64_t count;
        [[maybe_unused]] ssize_t n = ::read(wake_fd_, &count, sizeof count);
        if (cancel_requested_) child->kill_group(SIGKILL);
      } else if (!exited && p.fd == child->exit_fd()) {
        exited = true;
        drain_until = Clock::now() + kDrainTime;
      } else if (p.fd == child->stdout_fd()) {
        drain(p.fd, out_lines, on_stdout);
      } else if (p.fd == child->stderr_fd()) {
        drain(p.fd, err_lines, on_stderr);
      } else if (p.fd == child->progress_fd()) {
        drain(p.fd, progress_lines, on_progress);
      }
    }
    if (!exited && !out.stalled && job_.restart.stall_timeout.count() > 0 &&
        Clock::now() - last_advance > job_.restart.stall_timeout) {
      out.stalled = true;
      child->kill_group(SIGKILL);
    }
  }
  child->kill_group(SIGKILL);  // anything it left behind in its group
  out.exit_code = child->wait();
  {
    std::lock_guard lock(mu_);
    status_.last_exit_code = out.exit_code;
    status_.pid = 0;
  }
  if (out.exit_code == 0) {
    out.report = parse_final_report(last_stdout);
    out.report_unreadable = !out.report;
  }
  return out;
}

}  // namespace mm::worker
