#pragma once
// What `mm-bench plan` plans from: the daemon's answers, bundled as one JSON object so that a plan
// can be made (and tested, and fuzzed) without a daemon:
//   {"batch":     GET /1.0/batches/NAME,
//    "instances": GET /1.0/batches/NAME/instances?recursion=1,
//    "sources":   GET /1.0/sources?recursion=1,          (import limits)
//    "targets":   GET /1.0/targets?recursion=1,          (import and create limits)
//    "queue":     GET /1.0/batches/NAME/queue?recursion=1 (optional: [] before the batch starts),
//    "events":    GET /1.0/queue/UUID/events of each queued instance, concatenated (optional)}
// Parsing checks every type it reads (the bundle is outside input: fuzz_bench_plan_input).
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "orchestrator/batch/batch_config.h"
#include "orchestrator/inventory/overrides.h"

namespace mm::bench {

using TimePoint = std::chrono::system_clock::time_point;

struct DiskInput {
  std::string name;  // the backing, "[datastore-01] vm/vm.vmdk"
  int64_t capacity = 0;
  std::optional<int64_t> allocated;  // when the inventory knows it (it does not yet)
};

struct InstanceInput {
  std::string uuid, name, location, source;
  bool background_import = false;  // change tracking on and every disk supported
  bool running = false;
  bool missing = false;
  std::vector<DiskInput> disks;
  nlohmann::json view;  // what include expressions see: properties + source, source_type
  inventory::InstanceOverride override_;
  // From the queue, when the batch has started ("" before).
  std::string stage;
  std::string placed_target;
};

struct QueueEvent {
  int64_t id = 0;
  std::string instance_uuid;
  TimePoint time{};
  std::string type;
  std::string message;
  nlohmann::json data;  // e.g. {"disk", "bytes_done", "bytes_total"} on *.progress
};

struct TargetLimits {
  int64_t import_limit = 50;  // the daemon's defaults
  int64_t create_limit = 10;
};

struct PlanInput {
  batch::BatchConfig batch;
  std::string batch_status;
  std::optional<TimePoint> start_date;
  std::vector<InstanceInput> instances;  // in UUID order: the order the scheduler serves them
  std::map<std::string, int64_t> source_import_limit;
  std::map<std::string, TargetLimits> targets;
  std::vector<QueueEvent> events;  // by id
};

// Throws std::invalid_argument naming the part of the bundle that is wrong.
PlanInput plan_input_from_json(const nlohmann::json& bundle);
PlanInput parse_plan_input(std::string_view text);

}  // namespace mm::bench
