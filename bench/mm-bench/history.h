#pragma once
// What the queue events say happened to each instance: its copy cycles (background import,
// top-ups, final import) with their times and bytes, and its post-migration step. The planner
// derives observed change rates from it; `mm-bench report` prints it next to the plan.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "bench/mm-bench/plan_input.h"

namespace mm::bench {

struct Cycle {
  std::string kind;  // "background_import", "top_up", "final_import", "post_migration", "create"
  TimePoint started{};
  std::optional<TimePoint> completed;  // none while it runs, or when it failed or was stopped
  int64_t bytes = 0;                   // what the cycle's disks moved (a top-up: its change set)
  bool final_top_up = false;           // the top-up before the window ("Final top-up before ...")
};

struct InstanceHistory {
  std::vector<Cycle> cycles;  // in event order
  std::optional<TimePoint> created, finished, powered_off;
  // Changed bytes per second of source time, from the top-ups and final import that followed an
  // earlier cycle: bytes / (this cycle's start - the previous cycle's start), since CBT counts the
  // changes between the two snapshots.
  std::optional<double> change_rate;
  int change_rate_samples = 0;
};

// By instance UUID. Pure: events in, history out.
std::map<std::string, InstanceHistory> history_from_events(const std::vector<QueueEvent>& events);

}  // namespace mm::bench
