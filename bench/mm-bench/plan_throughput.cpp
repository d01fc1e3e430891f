#include "bench/mm-bench/plan_throughput.h"

#include <stdexcept>

#include "bench/mm-bench/units.h"

namespace mm::bench {

void use_given_throughput(PlanOptions& o, double bytes_per_second, const std::string& how) {
  o.stream_bytes_per_second = bytes_per_second;
  o.throughput_origin = "given" + (how.empty() ? std::string() : " (" + how + ")") + ": " +
                        format_rate(bytes_per_second) + " per copy";
}

void use_measured_throughput(PlanOptions& o, const Measurements& m, const std::string& file,
                             uint64_t connections) {
  const auto r = throughput_for(m, connections);
  if (!r) {
    throw std::invalid_argument(file + " has no run with " + std::to_string(connections) +
                                " connections");
  }
  o.stream_bytes_per_second = *r;
  o.throughput_origin =
      "measured: " + format_rate(*r) + " per copy (" + file +
      (connections ? ", " + std::to_string(connections) + " connections, median of the disks"
                   : ", best median") +
      (m.created.empty() ? "" : ", " + m.created) + ")";
  apply_overheads(o, m.overheads, file);
}

void apply_overheads(PlanOptions& o, const Overheads& ov, const std::string& file) {
  const std::pair<const std::optional<double>*, double*> fields[] = {
      {&ov.create_seconds, &o.create_seconds},
      {&ov.cycle_seconds, &o.cycle_seconds},
      {&ov.disk_seconds, &o.disk_seconds},
      {&ov.power_off_seconds, &o.power_off_seconds},
      {&ov.post_migration_seconds, &o.post_migration_seconds}};
  static const char* const kShort[] = {"create", "cycle", "disk", "power-off", "post-migration"};
  std::string measured, by_hand, assumed;
  auto add = [](std::string& list, const char* name) {
    list += (list.empty() ? "" : ", ") + std::string(name);
  };
  for (size_t i = 0; i < std::size(fields); ++i) {
    const auto& [value, dest] = fields[i];
    if (!*value) {
      add(assumed, kShort[i]);
      continue;
    }
    *dest = **value;
    add(ov.is_measured(kOverheadFields[i]) ? measured : by_hand, kShort[i]);
  }
  if (measured.empty() && by_hand.empty()) return;  // o.overheads_origin stays "assumed"
  std::string origin;
  auto part = [&origin](const std::string& s) { origin += (origin.empty() ? "" : "; ") + s; };
  if (!measured.empty()) {
    part(measured + " MEASURED" + (ov.measured_at.empty() ? "" : " " + ov.measured_at) + " (" +
         file + ")");
  }
  if (!by_hand.empty()) part(by_hand + " from " + file + " (not measured)");
  if (!assumed.empty()) part(assumed + " ASSUMED");
  o.overheads_origin = origin;
}

void use_assumed_throughput(PlanOptions& o, const std::string& remedy) {
  o.stream_bytes_per_second = kAssumedThroughput;
  o.throughput_origin = "ASSUMED 100 MiB/s per copy: nothing was measured (" + remedy + ")";
}

}  // namespace mm::bench
