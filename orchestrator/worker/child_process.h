#pragma once
// One mm-transfer process: started in its own process group, killed with the daemon
// (PR_SET_PDEATHSIG), its stdout, stderr and progress descriptor on pipes, and a pidfd that polls
// readable when it exits. The thread that spawns it must outlive it: the kernel sends the death
// signal when that thread ends, not only when the daemon does.
#include <sys/types.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace mm::worker {

// The process could not be started (fork failed, or exec: a missing binary, no permission).
struct SpawnError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class ChildProcess {
 public:
  // argv[0] is the binary's path (no PATH lookup). `progress_fd` is the descriptor number the
  // child gets for its progress pipe. Throws SpawnError.
  static ChildProcess spawn(const std::vector<std::string>& argv,
                            const std::vector<std::string>& env, int progress_fd);
  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&&) = delete;
  ChildProcess(const ChildProcess&) = delete;
  ~ChildProcess();  // a process still running is killed (with its group) and reaped

  pid_t pid() const { return pid_; }
  int exit_fd() const { return pidfd_; }  // readable once the process has exited
  // The parent's (non-blocking) read ends; -1 once closed by close_output().
  int stdout_fd() const { return out_; }
  int stderr_fd() const { return err_; }
  int progress_fd() const { return progress_; }
  void close_output(int fd);

  void kill_group(int sig);  // the process and anything it started
  // Reaps the process (blocking until it exits): its exit status, or 128 + the signal.
  int wait();
  bool reaped() const { return reaped_; }

 private:
  ChildProcess() = default;
  pid_t pid_ = -1;
  int pidfd_ = -1, out_ = -1, err_ = -1, progress_ = -1;
  bool reaped_ = false;
  int status_ = -1;
};

}  // namespace mm::worker
