#include "orchestrator/worker/child_process.h"

#include <fcntl.h>
#include <linux/close_range.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace mm::worker {

namespace {

constexpr int kFirstFreeFd = 4;  // 0..2 and the progress descriptor (3) are the child's

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

// Pipe ends at kFirstFreeFd or above, so that the child's dup2 onto 0..3 never overwrites one
// (a daemon may run with low descriptors closed). Both ends close on exec.
void make_pipe(int fds[2]) {
  if (::pipe2(fds, O_CLOEXEC) != 0) throw SpawnError(std::string("pipe: ") + strerror(errno));
  for (int i = 0; i < 2; ++i) {
    if (fds[i] >= kFirstFreeFd) continue;
    const int moved = ::fcntl(fds[i], F_DUPFD_CLOEXEC, kFirstFreeFd);
    ::close(fds[i]);
    fds[i] = moved;
    if (moved < 0) throw SpawnError(std::string("fcntl: ") + strerror(errno));
  }
}

// Between fork and exec only async-signal-safe calls: the daemon has other threads, whose locks
// may be held in this copy of the address space.
[[noreturn]] void exec_child(char* const* argv, char* const* envp, pid_t parent, int null_fd,
                             int out_w, int err_w, int progress_w, int progress_fd, int error_w) {
  ::setpgid(0, 0);
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) _exit(127);  // the daemon died before the line above
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  ::signal(SIGPIPE, SIG_DFL);
  if (::dup2(null_fd, STDIN_FILENO) < 0 || ::dup2(out_w, STDOUT_FILENO) < 0 ||
      ::dup2(err_w, STDERR_FILENO) < 0 || ::dup2(progress_w, progress_fd) < 0) {
    const int e = errno;
    [[maybe_unused]] ssize_t n = ::write(error_w, &e, sizeof e);
    _exit(127);
  }
  // Nothing else of the daemon's (sockets, the database) reaches the transfer process.
  if (::syscall(SYS_close_range, kFirstFreeFd, ~0U, CLOSE_RANGE_CLOEXEC) != 0) {
    for (int fd = kFirstFreeFd; fd < 4096; ++fd) ::fcntl(fd, F_SETFD, FD_CLOEXEC);
  }
  ::execve(argv[0], argv, envp);
  const int e = errno;
  [[maybe_unused]] ssize_t n = ::write(error_w, &e, sizeof e);
  _exit(127);
}

}  // namespace

ChildProcess ChildProcess::spawn(const std::vector<std::string>& argv,
                                 const std::vector<std::string>& env, int progress_fd) {
  if (argv.empty()) throw SpawnError("no command");
  std::vector<char*> args, envs;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  for (const auto& e : env) envs.push_back(const_cast<char*>(e.c_str()));
  envs.push_back(nullptr);

  int out[2] = {-1, -1}, err[2] = {-1, -1}, prog[2] = {-1, -1}, error[2] = {-1, -1};
  int null_fd = -1;
  auto close_all = [&] {
    for (int* p : {out, err, prog, error}) {
      close_fd(p[0]);
      close_fd(p[1]);
    }
    close_fd(null_fd);
  };
  try {
    make_pipe(out);
    make_pipe(err);
    make_pipe(prog);
    make_pipe(error);
    null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (null_fd < 0) throw SpawnError(std::string("/dev/null: ") + strerror(errno));
  } catch (...) {
    close_all();
    throw;
  }
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    const int e = errno;
    close_all();
    throw SpawnError(std::string("fork: ") + strerror(e));
  }
  if (pid == 0) {
    exec_child(args.data(), envs.data(), parent, null_fd, out[1], err[1], prog[1], progress_fd,
               error[1]);
  }
  ::setpgid(pid, pid);  // also here: kill_group may run before the child gets to it
  ChildProcess c;
  c.pid_ = pid;
  c.out_ = std::exchange(out[0], -1);
  c.err_ = std::exchange(err[0], -1);
  c.progress_ = std::exchange(prog[0], -1);
  close_fd(error[1]);
  // The exec error pipe reads EOF when exec succeeded (close-on-exec), an errno when it did not.
  int exec_errno = 0;
  ssize_t n;
  do {
    n = ::read(error[0], &exec_errno, sizeof exec_errno);
  } while (n < 0 && errno == EINTR);
  close_all();
  if (n == static_cast<ssize_t>(sizeof exec_errno)) {
    c.wait();
    throw SpawnError("cannot run " + argv[0] + ": " + strerror(exec_errno));
  }
  for (int fd : {c.out_, c.err_, c.progress_}) {
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  }
  c.pidfd_ = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (c.pidfd_ < 0) {
    const int e = errno;
    throw SpawnError(std::string("pidfd_open: ") + strerror(e));  // the destructor reaps it
  }
  return c;
}

ChildProcess::ChildProcess(ChildProcess&& o) noexcept
    : pid_(std::exchange(o.pid_, -1)),
      pidfd_(std::exchange(o.pidfd_, -1)),
      out_(std::exchange(o.out_, -1)),
      err_(std::exchange(o.err_, -1)),
      progress_(std::exchange(o.progress_, -1)),
      reaped_(std::exchange(o.reaped_, true)),
      status_(o.status_) {}

ChildProcess::~ChildProcess() {
  if (pid_ > 0 && !reaped_) {
    kill_group(SIGKILL);
    wait();
  }
  close_fd(pidfd_);
  close_fd(out_);
  close_fd(err_);
  close_fd(progress_);
}

void ChildProcess::close_output(int fd) {
  for (int* p : {&out_, &err_, &progress_}) {
    if (*p == fd) close_fd(*p);
  }
}

void ChildProcess::kill_group(int sig) {
  // Only while unreaped: after that the group id may belong to someone else.
  if (pid_ > 0 && !reaped_) ::kill(-pid_, sig);
}

int ChildProcess::wait() {
  if (reaped_) return status_;
  int st = 0;
  pid_t r;
  do {
    r = ::waitpid(pid_, &st, 0);
  } while (r < 0 && errno == EINTR);
  reaped_ = true;
  if (r < 0) {
    status_ = -1;  // ECHILD: SIGCHLD ignored, the kernel reaped it and kept no status
  } else if (WIFEXITED(st)) {
    status_ = WEXITSTATUS(st);
  } else if (WIFSIGNALED(st)) {
    status_ = 128 + WTERMSIG(st);
  }
  return status_;
}

}  // namespace mm::worker
