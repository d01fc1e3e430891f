#include "tests/support/servers.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace mm::test {
namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A zombie counts as gone: a daemonized server is reaped by init, which in a container may never
// happen, and its socket is closed anyway.
bool process_alive(pid_t pid) {
  if (pid <= 0 || ::kill(pid, 0) != 0) return false;
  const std::string stat = read_file("/proc/" + std::to_string(pid) + "/stat");
  const auto paren = stat.rfind(')');
  return paren == std::string::npos || paren + 2 >= stat.size() || stat[paren + 2] != 'Z';
}

}  // namespace

TempDir::TempDir() {
  const char* base = std::getenv("MM_TEST_TMPDIR");
  std::string templ = std::string(base ? base : "/var/tmp") + "/mm-test-XXXXXX";
  std::vector<char> buf(templ.begin(), templ.end());
  buf.push_back('\0');
  if (mkdtemp(buf.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = buf.data();
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

CommandResult run_command(const std::string& command) {
  char out_templ[] = "/tmp/mm-cmd-out-XXXXXX";
  char err_templ[] = "/tmp/mm-cmd-err-XXXXXX";
  int out_fd = mkstemp(out_templ);
  int err_fd = mkstemp(err_templ);
  ::close(out_fd);
  ::close(err_fd);
  const std::string full = "(" + command + ") >" + out_templ + " 2>" + err_templ + " </dev/null";
  const int status = std::system(full.c_str());
  CommandResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = read_file(out_templ);
  r.err = read_file(err_templ);
  ::unlink(out_templ);
  ::unlink(err_templ);
  return r;
}

std::string must_run(const std::string& command) {
  CommandResult r = run_command(command);
  if (r.exit_code != 0) {
    throw std::runtime_error("command failed (exit " + std::to_string(r.exit_code) + "): " + command +
                             "\nstdout: " + r.out + "\nstderr: " + r.err);
  }
  return r.out;
}

BackgroundProcess::BackgroundProcess(const std::string& command, const std::string& output_file) {
  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    setpgid(0, 0);
    int fd = ::open(output_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      dup2(fd, STDOUT_FILENO);
      dup2(fd, STDERR_FILENO);
    }
    execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  setpgid(pid_, pid_);
}

BackgroundProcess::~BackgroundProcess() {
  if (!reaped_) kill_hard();
}

bool BackgroundProcess::running() {
  if (reaped_) return false;
  if (waitpid(pid_, &status_, WNOHANG) == pid_) {
    reaped_ = true;
    return false;
  }
  return true;
}

void BackgroundProcess::kill_hard() {
  if (reaped_) return;
  ::kill(-pid_, SIGKILL);
  ::kill(pid_, SIGKILL);
  wait();
}

int BackgroundProcess::wait() {
  if (!reaped_) {
    waitpid(pid_, &status_, 0);
    reaped_ = true;
  }
  return WIFEXITED(status_) ? WEXITSTATUS(status_) : 128 + WTERMSIG(status_);
}

NbdServer NbdServer::nbdkit(const TempDir& dir, const std::string& name, const std::string& args) {
  NbdServer s;
  s.socket_ = dir.file(name + ".sock");
  s.pid_file_ = dir.file(name + ".pid");
  s.start("nbdkit -U " + s.socket_ + " -P " + s.pid_file_ + " " + args);
  return s;
}

NbdServer NbdServer::qemu_nbd(const TempDir& dir, const std::string& name, const std::string& args) {
  NbdServer s;
  s.socket_ = dir.file(name + ".sock");
  s.pid_file_ = dir.file(name + ".pid");
  s.start("qemu-nbd --fork -k " + s.socket_ + " --pid-file=" + s.pid_file_ + " " + args);
  return s;
}

void NbdServer::start(const std::string& command) {
  ::unlink(socket_.c_str());
  ::unlink(pid_file_.c_str());
  must_run(command);
  // Both servers write the pid file once they listen; wait for it (bounded).
  for (int i = 0; i < 200; ++i) {
    std::string pid_text = read_file(pid_file_);
    struct stat st {};
    if (!pid_text.empty() && std::atoi(pid_text.c_str()) > 0 && ::stat(socket_.c_str(), &st) == 0) {
      pid_ = std::atoi(pid_text.c_str());
      uri_ = "nbd+unix:///?socket=" + socket_;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  throw std::runtime_error("NBD server did not start: " + command);
}

NbdServer::NbdServer(NbdServer&& other) noexcept
    : socket_(std::move(other.socket_)),
      pid_file_(std::move(other.pid_file_)),
      uri_(std::move(other.uri_)),
      pid_(other.pid_) {
  other.pid_ = -1;
}

NbdServer::~NbdServer() { stop(); }

void NbdServer::stop() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  for (int i = 0; i < 400 && process_alive(pid_); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  pid_ = -1;
  ::unlink(socket_.c_str());
}

std::string mm_transfer() { return std::string(MM_BINARY_DIR) + "/bin/mm-transfer"; }

uint64_t allocated_bytes(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) throw std::runtime_error("stat " + path);
  return static_cast<uint64_t>(st.st_blocks) * 512;
}

uint64_t file_size(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) throw std::runtime_error("stat " + path);
  return static_cast<uint64_t>(st.st_size);
}

}  // namespace mm::test
