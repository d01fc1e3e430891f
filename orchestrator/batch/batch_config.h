#pragma once
// A batch as the user writes it (the reference documents' YAML, docs/batches.md): which instances,
// when (migration windows), under which limits (constraints), where to (placement defaults and the
// placement scriptlet) and how (config). Parsed from YAML (`batch edit`) or JSON (the REST API);
// every value is checked here, so the scheduler can trust a BatchConfig it reads from the store.
#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace mm::batch {

using Clock = std::chrono::system_clock;
using TimePoint = Clock::time_point;

// One migration window. Times are UTC. `lockout`: after it, no new final migration starts in this
// window (zero: the window's end). `capacity`: at most this many instances migrate in it (0: no
// limit).
struct MigrationWindow {
  std::string name;
  TimePoint start{};
  TimePoint end{};
  TimePoint lockout{};  // epoch (== TimePoint{}) when unset
  int64_t capacity = 0;
  bool operator==(const MigrationWindow&) const = default;
};

// Matched by include_expression; the last matching constraint applies to an instance.
struct Constraint {
  std::string name;
  std::string description;
  std::string include_expression;
  int64_t max_concurrent_instances = 0;                // 0: no limit
  std::chrono::nanoseconds min_instance_boot_time{0};  // 0: none
  bool operator==(const Constraint&) const = default;
};

struct PlacementDefaults {
  std::string target;
  std::string target_project = "default";
  std::string storage_pool = "default";
  bool operator==(const PlacementDefaults&) const = default;
};

struct RestrictionOverrides {
  bool allow_unknown_os = false;
  bool allow_no_ipv4 = false;
  bool allow_no_background_import = false;
  bool operator==(const RestrictionOverrides&) const = default;
};

struct BatchConfig {
  std::string name;
  std::string include_expression;
  std::vector<MigrationWindow> migration_windows;
  std::vector<Constraint> constraints;
  PlacementDefaults placement;
  nlohmann::json migration_network = nlohmann::json::array();  // kept as given (list of objects)
  bool rerun_scriptlets = false;
  std::string placement_scriptlet;
  int64_t post_migration_retries = 5;
  RestrictionOverrides instance_restriction_overrides;
  std::chrono::nanoseconds background_sync_interval = std::chrono::hours(1);
  std::chrono::nanoseconds final_background_sync_limit = std::chrono::minutes(10);
  // "" (warm: background import, top-ups, cutover in a window) or "cold" (one pass with the source
  // powered off: docs/cold-migration.md). Not in the reference's batches; written only when set.
  std::string kind;
  bool operator==(const BatchConfig&) const = default;
};

// A value the user must fix: `field` is the dotted path ("migration_windows[0].end"), `line` the
// YAML line (0 when parsing JSON or unknown).
class BatchError : public std::invalid_argument {
 public:
  BatchError(const std::string& field, int line, const std::string& problem);
  const std::string& field() const { return field_; }
  int line() const { return line_; }

 private:
  std::string field_;
  int line_;
};

}  // namespace mm::batch
