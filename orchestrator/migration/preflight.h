#pragma once
// Preflight (docs/preflight.md): before a migration starts, a Pass / Warn / Fail verdict per
// instance with each check and its reason: change tracking, guest OS, IPv4, disk kinds, the target
// pool's free space and the project's limits against the instance's disks, CPUs and memory (asked
// of Incus), every NIC's network mapped and present on the target, the instance name free on the
// target (or ours), and the estimated copy time from measured throughput.
#include <cstdint>
#include <string>

#include "orchestrator/migration/preflight_service.h"
#include "orchestrator/state/store.h"

namespace mm::migration {

// Used when no measurements file is given; the answer says it is a default.
inline constexpr double kDefaultThroughput = 100.0 * 1024 * 1024;  // bytes per second

struct PreflightOptions {
  // `mm-bench measure`'s JSON (docs/mm-bench.md); its "throughput_bytes_per_second" is used.
  // "" or unreadable: kDefaultThroughput, and the answer says which.
  std::string throughput_file;
};

class Preflight final : public PreflightService {
 public:
  Preflight(state::Store& store, PreflightOptions options)
      : store_(store), options_(std::move(options)) {}
  nlohmann::json run(const nlohmann::json& request) override;

 private:
  state::Store& store_;
  PreflightOptions options_;
};

// "Pass" < "Warn" < "Fail": the worse of two results.
std::string worse(const std::string& a, const std::string& b);

}  // namespace mm::migration
