#pragma once
// Runs a helper program to its end (mm-transfer inspect, virt-v2v-in-place) and collects what it
// printed: the cold migration steps' way to use tools that are not disk copies.
#include <atomic>
#include <string>
#include <vector>

namespace mm::migration {

struct ToolResult {
  int exit_code = -1;  // 128 + signal when killed
  std::string out, err;
  bool canceled = false;
};

// argv[0] is a path, or a bare name looked up in PATH. Throws std::runtime_error when it cannot be
// started. `cancel` true kills the process (and anything it started) and returns canceled.
ToolResult run_tool(std::vector<std::string> argv, const std::atomic<bool>& cancel);

// The path of `name` in PATH, or "" when it is not installed.
std::string find_in_path(const std::string& name);

}  // namespace mm::migration
