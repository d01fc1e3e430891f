#pragma once
// The capacity planner: a pure function from the batch, its instances, the limits, the observed
// events and the measured throughput to a predicted schedule. It replays the scheduler's rules
// (orchestrator/migration/scheduler.cpp) as a discrete-event simulation: instances served in UUID
// order; the target's create limit; the source's and target's import limits; windows assigned
// first by start, skipping those ended, past their lockout, full (capacity counts the instances
// holding the window) or too short for the constraint's min_instance_boot_time; top-ups every
// background_sync_interval after the last completed sync and once final_background_sync_limit
// before the window; cutover at the window's start within max_concurrent_instances; a final import
// still running at the window's end misses it. Copies running at once share the aggregate
// throughput. What it assumes is listed in Plan::assumptions and printed with every plan.
#include <optional>
#include <string>
#include <vector>

#include "bench/mm-bench/plan_input.h"

namespace mm::bench {

struct PlanOptions {
  TimePoint now{};                         // the plan starts here (the batch starts now)
  double stream_bytes_per_second = 0;      // one disk copy (mm-transfer process)
  double aggregate_bytes_per_second = 0;   // all copies at once (0: each gets the stream figure)
  std::string throughput_origin;           // "measured: FILE ..." or "assumed ..."
  std::optional<double> change_rate;       // bytes/s per instance, for every instance
  double change_fraction_per_hour = 0.01;  // else, without observations: this share of the data
  // Fixed costs (seconds) and where they come from.
  double create_seconds = 3;
  double cycle_seconds = 2;  // snapshot, CBT query, snapshot removal
  double disk_seconds = 0.5;
  double power_off_seconds = 2;
  double post_migration_seconds = 3;
  std::string overheads_origin = "assumed";
  // The simulation stops after this many events (a 1 s sync interval over a year would not end).
  int max_events = 500000;
};

struct PlannedStage {
  std::string kind;  // create, background_import, top_up, final_top_up, final_import,
                     // post_migration, cold_import
  TimePoint start{}, end{};
  int64_t bytes = 0;
};

struct InstancePlan {
  std::string uuid, name, source, target;
  int64_t disk_bytes = 0;  // capacity of every disk
  int64_t copy_bytes = 0;  // what a full copy moves: allocated where known, else capacity
  bool allocated_known = false;
  double change_rate = 0;  // bytes per second of source time
  std::string change_rate_origin;
  std::vector<PlannedStage> stages;
  std::string window;  // the window it cuts over in ("" none)
  std::optional<TimePoint> window_start, window_end;
  std::optional<TimePoint> background_done, cutover_start, cutover_end;
  double downtime_seconds = 0;  // final import + post-migration
  int64_t final_bytes = 0;
  std::string verdict;  // "fits", "late" (a later window than its first), "does not fit",
                        // "finished" (already), "blocked"
  std::vector<std::string> problems;  // why, one line each
};

struct Plan {
  std::string batch;
  TimePoint now{};
  std::optional<TimePoint> end;  // the last instance done
  double stream_bytes_per_second = 0, aggregate_bytes_per_second = 0;
  std::vector<InstancePlan> instances;  // in UUID order
  std::vector<std::string> assumptions;
  bool all_fit = true;
};

// Throws std::invalid_argument when the options cannot plan (no throughput).
Plan make_plan(const PlanInput& in, const PlanOptions& options);

}  // namespace mm::bench
