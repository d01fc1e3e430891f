#pragma once
// Helpers for the disk-worker tests: jobs for this build's mm-transfer, digests, waiting.
#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "orchestrator/worker/disk_job.h"
#include "orchestrator/worker/disk_worker.h"
#include "tests/support/servers.h"

namespace mm::worker::test {

using namespace std::chrono_literals;
constexpr uint64_t kMiB = 1024 * 1024;

inline DiskJob copy_job(const std::string& source, const std::string& target,
                        const std::string& checkpoint = "") {
  DiskJob j;
  j.source = source;
  j.target = target;
  j.checkpoint = checkpoint;
  j.mm_transfer_path = mm::test::mm_transfer();
  j.restart.first_backoff = 50ms;  // tests wait little between restarts
  j.restart.max_backoff = 200ms;
  return j;
}

// The disk digest of `source`, by `mm-transfer checksum`.
inline std::string checksum(const std::string& source) {
  const auto r =
      mm::test::run_command(mm::test::mm_transfer() + " checksum '" + source + "' --json");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out, nullptr, false);
  return j.is_object() && j.contains("digest") ? j["digest"].get<std::string>() : "";
}

// Polls until `done` or the deadline; true when `done` held.
template <typename F>
bool eventually(F done, std::chrono::milliseconds limit = 60s) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(10ms);
  }
  return true;
}

}  // namespace mm::worker::test
