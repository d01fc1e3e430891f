#pragma once
// Test fixtures that start real servers and programs: temporary directories, nbdkit and qemu-nbd on
// unix sockets (stopped when the fixture goes), and commands run with their output captured.
#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace mm::test {

// A fresh directory under $TMPDIR (or /var/tmp, which is disk-backed), removed with its contents.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs `command` with /bin/sh, capturing stdout and stderr.
CommandResult run_command(const std::string& command);
// Like run_command, but fails the test (throws) on a non-zero exit, with the output in the message.
std::string must_run(const std::string& command);

// A program started in the background (its own process group), killed by kill() or the destructor.
class BackgroundProcess {
 public:
  explicit BackgroundProcess(const std::string& command, const std::string& output_file);
  ~BackgroundProcess();
  pid_t pid() const { return pid_; }
  void kill_hard();  // SIGKILL to the whole group, then reap
  int wait();        // exit code, or 128 + signal
  bool running();

 private:
  pid_t pid_ = -1;
  bool reaped_ = false;
  int status_ = 0;
};

// A daemonized NBD server (nbdkit or qemu-nbd) on a unix socket, known by its pid file.
class NbdServer {
 public:
  // nbdkit -U SOCK -P PID <args>
  static NbdServer nbdkit(const TempDir& dir, const std::string& name, const std::string& args);
  // qemu-nbd serving an image: qemu-nbd --fork -k SOCK --pid-file PID <args>
  static NbdServer qemu_nbd(const TempDir& dir, const std::string& name, const std::string& args);
  NbdServer(NbdServer&& other) noexcept;
  ~NbdServer();
  const std::string& uri() const { return uri_; }
  const std::string& socket() const { return socket_; }
  void stop();  // SIGKILL, and wait until the process is gone

 private:
  NbdServer() = default;
  void start(const std::string& command);
  std::string socket_, pid_file_, uri_;
  pid_t pid_ = -1;
};

// The mm-transfer binary of this build.
std::string mm_transfer();
// Bytes of a file actually allocated on disk.
uint64_t allocated_bytes(const std::string& path);
uint64_t file_size(const std::string& path);

}  // namespace mm::test
