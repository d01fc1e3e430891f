#pragma once
// Runs the mm-transfer binary of this build and reads its --json report.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "tests/support/servers.h"

namespace mm::test {

struct ToolRun {
  int exit_code = -1;
  nlohmann::json report;  // the last line of stdout, when it is JSON
  std::string err;
};

inline ToolRun run_tool(const std::string& args) {
  const CommandResult r = run_command(mm_transfer() + " " + args);
  ToolRun t;
  t.exit_code = r.exit_code;
  t.err = r.err;
  const auto end = r.out.find_last_not_of('\n');
  if (end != std::string::npos) {
    const auto start = r.out.find_last_of('\n', end);
    const std::string last = r.out.substr(start == std::string::npos ? 0 : start + 1, end + 1);
    t.report = nlohmann::json::parse(last, nullptr, false);
  }
  return t;
}

// Byte-for-byte comparison with cmp(1); an empty string when identical, cmp's words otherwise.
inline std::string differences(const std::string& a, const std::string& b) {
  const CommandResult r = run_command("cmp " + a + " " + b);
  return r.exit_code == 0 ? std::string() : r.out + r.err;
}

}  // namespace mm::test
