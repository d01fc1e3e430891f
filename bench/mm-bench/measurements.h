#pragma once
// The measurements file `mm-bench measure` writes and `mm-bench plan` (and the daemon's preflight,
// as --throughput-file) reads: copy throughput per disk and per tuning (connections, request
// size), medians of several runs after a warm-up. The shape is in docs/mm-bench.md.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace mm::bench {

struct RunResult {
  double seconds = 0;
  double throughput_bytes_per_second = 0;  // disk bytes (holes included) per second
  uint64_t bytes_read = 0;
};

// The runs of one disk with one tuning.
struct TuningResult {
  uint64_t connections = 0;
  uint64_t request_size = 0;  // 0: mm-transfer's default
  std::vector<RunResult> runs;
  double median_seconds = 0;
  double median_throughput_bytes_per_second = 0;
};

struct DiskMeasurement {
  std::string source;  // as given to mm-transfer (no secrets: cookies and passwords are in files)
  std::string target;
  uint64_t size = 0;
  uint64_t bytes_read = 0;  // of the last run: less than size when the source has holes
  std::vector<TuningResult> results;
};

// Fixed costs that are not bytes over the wire (seconds). Unset fields: the planner's assumptions.
struct Overheads {
  std::optional<double> create_seconds;          // target instance and volumes created
  std::optional<double> cycle_seconds;           // one copy cycle: snapshot, CBT query, removal
  std::optional<double> disk_seconds;            // one mm-transfer process: start, connect, flush
  std::optional<double> power_off_seconds;       // the source's guest shut down
  std::optional<double> post_migration_seconds;  // the target instance started
  // Which of the fields above `mm-bench measure` measured ("create_seconds", ...), and when (RFC
  // 3339). A field present but not listed was written by hand.
  std::vector<std::string> measured;
  std::string measured_at;
  bool is_measured(const std::string& field) const;
};

// The field names of Overheads, in the file's order.
inline constexpr const char* kOverheadFields[] = {"create_seconds", "cycle_seconds", "disk_seconds",
                                                  "power_off_seconds", "post_migration_seconds"};

struct Measurements {
  int version = 1;
  std::string created;                     // RFC 3339
  double throughput_bytes_per_second = 0;  // the best median of any disk and tuning: the headline
  uint64_t best_connections = 0;
  uint64_t best_request_size = 0;
  std::vector<DiskMeasurement> disks;
  Overheads overheads;
};

double median(std::vector<double> values);
// Fills each tuning's medians and the headline (best median) from the runs.
void summarize(Measurements& m);

nlohmann::json to_json(const Measurements& m);
// Outside input (a file a user may have edited): checks types and ranges, throws
// std::invalid_argument naming the field. Only throughput_bytes_per_second is required.
Measurements measurements_from_json(const nlohmann::json& j);
Measurements parse_measurements(std::string_view text);
Measurements load_measurements(const std::string& path);

// The figure one copy stream gets with `connections` (0: the headline): the median of the disks'
// best tuning with that many connections; nullopt when none was measured.
std::optional<double> throughput_for(const Measurements& m, uint64_t connections);

}  // namespace mm::bench
