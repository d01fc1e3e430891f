// The scheduler with 10,000 instances in 100 batches across 5 sources and 5 targets (the issue's
// scale): one scheduling tick, and `queue list` through the API router, must each stay well under
// a second. The instances are queued and idle with their window hours ahead, the steady state a
// large estate sits in between top-ups; the steps are never started, so this times decisions only.
#include <benchmark/benchmark.h>

#include <nlohmann/json.hpp>

#include "orchestrator/api/router.h"
#include "orchestrator/batch/batch_json.h"
#include "orchestrator/inventory/clock.h"
#include "orchestrator/migration/scheduler.h"
#include "orchestrator/state/uuid.h"

namespace {

using namespace std::chrono_literals;
using mm::migration::TimePoint;
using nlohmann::json;

constexpr int kSources = 5, kTargets = 5, kBatches = 100, kPerBatch = 100;

class NoSteps final : public mm::migration::StepRunner {
 public:
  void start(const std::string&, mm::migration::StepKind) override { ++started; }
  void stop(const std::string&) override {}
  bool running(const std::string&) override { return false; }
  void restore_source(const std::string&) override {}
  void set_reporter(mm::migration::StepReporter*) override {}
  int started = 0;
};

struct Estate {
  std::unique_ptr<mm::state::Store> store = mm::state::Store::in_memory();
  mm::migration::ManualClock clock{TimePoint(std::chrono::seconds(1764547200))};
  NoSteps steps;
  std::unique_ptr<mm::migration::Scheduler> scheduler;
  std::unique_ptr<mm::api::Router> router;

  Estate() {
    for (int s = 0; s < kSources; ++s) {
      mm::state::SourceRecord r;
      r.name = "src" + std::to_string(s);
      r.endpoint = "https://127.0.0.1:1";
      store->create_source(r);
    }
    for (int t = 0; t < kTargets; ++t) {
      mm::state::TargetRecord r;
      r.name = "incus" + std::to_string(t);
      r.endpoint = "https://127.0.0.1:2";
      store->create_target(r);
    }
    const auto sources = store->list_sources();
    const TimePoint start = clock.now() + 24h;
    for (int b = 0; b < kBatches; ++b) {
      mm::batch::BatchConfig cfg;
      cfg.name = "batch" + std::to_string(b);
      cfg.include_expression = "location matches '^/dc/vm/b" + std::to_string(b) + "/'";
      cfg.migration_windows = {{"w1", start, start + 2h, {}, 0}};
      cfg.placement.target = "incus" + std::to_string(b % kTargets);
      mm::state::BatchRecord br;
      br.name = cfg.name;
      br.config = mm::batch::batch_to_json(cfg).dump();
      const auto created = store->create_batch(br);
      store->mark_batch_started(cfg.name, "2025-12-01T00:00:00Z");
      store->set_batch_status(created.id, "Running", "");
      for (int i = 0; i < kPerBatch; ++i) {
        mm::state::InstanceRecord in;
        in.uuid = mm::state::random_uuid();
        in.source_id = sources[(b * kPerBatch + i) % kSources].id;
        in.name = "vm" + std::to_string(b) + "-" + std::to_string(i);
        in.inventory_path = "/dc/vm/b" + std::to_string(b) + "/" + in.name;
        in.os = "linux";
        in.os_version = "Debian 12";
        in.cpus = 2;
        in.memory_bytes = 4ll << 30;
        in.background_import = true;
        in.properties =
            json{{"disks",
                  {{{"name", "[ds] " + in.name + "/" + in.name + ".vmdk"},
                    {"capacity", 16ll << 30},
                    {"supported", true}}}},
                 {"nics",
                  {{{"hardware_address", "00:50:56:00:00:01"}, {"ipv4_address", "10.0.0.1"}}}}}
                .dump();
        store->upsert_instance(in);
      }
    }
    scheduler = std::make_unique<mm::migration::Scheduler>(*store, clock, steps);
    router = std::make_unique<mm::api::Router>(*store, mm::api::ServerInfo{"h", "0", "", ""});
    // Queue everything, then put every instance where a large estate spends its days: imported,
    // idle, the window a day ahead.
    scheduler->tick();
    for (mm::state::QueueRecord q : store->list_queue()) {
      mm::migration::QueueData d = mm::migration::parse_queue_data(q.data);
      d.created = true;
      d.last_sync = mm::inventory::format_rfc3339(clock.now());
      q.stage = "idle";
      q.status = "Idle";
      q.status_message = "Waiting for migration window";
      q.data = mm::migration::dump_queue_data(d);
      store->put_queue_entry(q);
    }
    scheduler->tick();
  }
};

Estate& estate() {
  static Estate e;
  return e;
}

void BM_SchedulerTick10kInstances(benchmark::State& state) {
  Estate& e = estate();
  for (auto _ : state) {
    const auto stats = e.scheduler->tick();
    benchmark::DoNotOptimize(stats);
  }
  state.counters["entries"] = static_cast<double>(e.store->list_queue().size());
}
BENCHMARK(BM_SchedulerTick10kInstances)->Unit(benchmark::kMillisecond)->MinWarmUpTime(0.5);

void BM_QueueList10kInstances(benchmark::State& state) {
  Estate& e = estate();
  size_t bytes = 0;
  for (auto _ : state) {
    const mm::api::Response r = e.router->handle({"GET", "/1.0/queue?recursion=1", "", true});
    bytes = r.body.size();
    benchmark::DoNotOptimize(bytes);
  }
  state.counters["bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_QueueList10kInstances)->Unit(benchmark::kMillisecond)->MinWarmUpTime(0.5);

// The store's part of the queue list: the rows, joined with batches and instances.
void BM_QueueRows10kInstances(benchmark::State& state) {
  Estate& e = estate();
  for (auto _ : state) {
    auto rows = e.store->list_queue();
    benchmark::DoNotOptimize(rows);
  }
}
BENCHMARK(BM_QueueRows10kInstances)->Unit(benchmark::kMillisecond)->MinWarmUpTime(0.5);

}  // namespace

BENCHMARK_MAIN();
