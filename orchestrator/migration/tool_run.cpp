#include "orchestrator/migration/tool_run.h"

#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>

#include "orchestrator/worker/child_process.h"

extern char** environ;

namespace mm::migration {

std::string find_in_path(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/bin:/bin";
  size_t start = 0;
  while (start <= dirs.size()) {
    size_t colon = dirs.find(':', start);
    if (colon == std::string::npos) colon = dirs.size();
    const std::string dir = dirs.substr(start, colon - start);
    if (!dir.empty()) {
      const std::string candidate = dir + "/" + name;
      if (::access(candidate.c_str(), X_OK) == 0 && !std::filesystem::is_directory(candidate)) {
        return candidate;
      }
    }
    start = colon + 1;
  }
  return "";
}

ToolResult run_tool(std::vector<std::string> argv, const std::atomic<bool>& cancel) {
  if (argv.empty()) throw std::runtime_error("run_tool: no program");
  if (argv[0].find('/') == std::string::npos) {
    const std::string found = find_in_path(argv[0]);
    if (found.empty()) throw std::runtime_error(argv[0] + " is not installed");
    argv[0] = found;
  }
  std::vector<std::string> env;
  for (char** e = environ; e && *e; ++e) env.emplace_back(*e);
  worker::ChildProcess child = [&] {
    try {
      return worker::ChildProcess::spawn(argv, env, 3);
    } catch (const worker::SpawnError& e) {
      throw std::runtime_error(argv[0] + ": " + e.what());
    }
  }();
  child.close_output(child.progress_fd());
  ToolResult r;
  char buf[65536];
  // Reads whatever is there; closes a descriptor at its end.
  auto drain = [&](int fd, std::string& into) {
    for (;;) {
      const ssize_t n = ::read(fd, buf, sizeof buf);
      if (n > 0) {
        into.append(buf, static_cast<size_t>(n));
        continue;
      }
      if (n == 0 || (errno != EAGAIN && errno != EINTR)) child.close_output(fd);
      return;
    }
  };
  while (child.stdout_fd() >= 0 || child.stderr_fd() >= 0) {
    if (cancel) {
      child.kill_group(SIGKILL);
      child.wait();
      r.canceled = true;
      return r;
    }
    pollfd fds[2];
    nfds_t n = 0;
    if (child.stdout_fd() >= 0) fds[n++] = {child.stdout_fd(), POLLIN, 0};
    if (child.stderr_fd() >= 0) fds[n++] = {child.stderr_fd(), POLLIN, 0};
    if (::poll(fds, n, 200) <= 0) continue;
    if (child.stdout_fd() >= 0) drain(child.stdout_fd(), r.out);
    if (child.stderr_fd() >= 0) drain(child.stderr_fd(), r.err);
  }
  r.exit_code = child.wait();
  return r;
}

}  // namespace mm::migration
