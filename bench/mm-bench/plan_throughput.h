#pragma once
// Where a plan's throughput comes from, said the same way by `mm-bench plan` and the daemon's
// GET /1.0/batches/NAME/plan: given, measured (a measurements file, whose overheads are used
// too), or the planner's stated assumption. Each fills PlanOptions' figure and its origin, which
// the plan lists first among its assumptions ("throughput: ...").
#include <cstdint>
#include <string>

#include "bench/mm-bench/measurements.h"
#include "bench/mm-bench/planner.h"

namespace mm::bench {

// What the planner assumes when nothing was measured or given.
inline constexpr double kAssumedThroughput = 100.0 * (1 << 20);  // bytes per second per copy

// "given: 200.0 MiB/s per copy" (`how` names where it was given when not "").
void use_given_throughput(PlanOptions& o, double bytes_per_second, const std::string& how = "");
// The measurements' figure for `connections` (0: the headline) and their overheads, if any.
// Throws std::invalid_argument when nothing was measured with that many connections.
void use_measured_throughput(PlanOptions& o, const Measurements& m, const std::string& file,
                             uint64_t connections = 0);
// The file's overheads, where given: each field replaces the planner's assumption, and
// o.overheads_origin says which were MEASURED (by mm-bench measure, with the date), which were
// written by hand and which stay ASSUMED ("assumed" when the file gives none).
void apply_overheads(PlanOptions& o, const Overheads& ov, const std::string& file);
// kAssumedThroughput, said loudly; `remedy` tells the user how to measure instead.
void use_assumed_throughput(PlanOptions& o, const std::string& remedy);

}  // namespace mm::bench
