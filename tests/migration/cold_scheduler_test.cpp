// The scheduler's decisions for cold migrations (docs/cold-migration.md), tick by tick: a cold
// batch's instance goes Queued -> Export -> Inspect -> Write Volume -> Guest Fixes -> Finalize ->
// Completed, holding an import slot; a failure in any stage ends in Error naming the stage with
// the source powered back on; confirm finishes it. Also the implicit batch a `migrate` request
// becomes (cold_request.h).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "orchestrator/batch/batch_json.h"
#include "orchestrator/inventory/instance_view.h"
#include "orchestrator/inventory/sync.h"
#include "orchestrator/migration/cold_request.h"
#include "orchestrator/migration/scheduler.h"
#include "orchestrator/starlark/placement.h"
#include "tests/inventory/fake_connectors.h"
#include "tests/migration/manual_steps.h"

namespace mm::migration {
namespace {

using nlohmann::json;

constexpr const char* kWin = "52cfcb6b-20ee-add3-adc9-68c63ca9adfd";
constexpr const char* kDebian = "52d89a93-ff8f-9dea-4d74-ec99beb1d2d4";

class ColdSchedulerTest : public ::testing::Test {
 protected:
  ColdSchedulerTest()
      : store_(state::Store::in_memory()),
        clock_(TimePoint(std::chrono::seconds(1764547200))),
        scheduler_(*store_, clock_, steps_) {
    state::SourceRecord s;
    s.name = "esxi01";
    s.endpoint = "https://127.0.0.1:1";
    s.username = "user";
    s.password = "pw";
    s.trusted_fingerprint = test::kServedFingerprint;
    s.import_limit = 1;
    store_->create_source(s);
    state::TargetRecord t;
    t.name = "incus01";
    t.endpoint = "https://127.0.0.1:2";
    store_->create_target(t);
    test::FakeSource source;
    source.password = "pw";
    source.set_inventory(test::esxi_inventory());
    inventory::sync_source(*store_, source, "esxi01");
  }

  // What POST /1.0/migrations creates: the implicit cold batch, started.
  void migrate(const std::string& uuid) {
    ColdRequest r;
    r.instance = uuid;
    r.target = "incus01";
    const batch::BatchConfig cfg = cold_batch(r, *store_->get_instance(uuid), {});
    state::BatchRecord rec;
    rec.name = cfg.name;
    rec.config = batch::batch_to_json(cfg).dump();
    store_->create_batch(rec);
    const state::BatchRecord started = store_->mark_batch_started(cfg.name, "2025-12-01T00:00:00Z");
    store_->set_batch_status(started.id, "Queued", "");
  }

  state::QueueRecord entry(const std::string& uuid) { return *store_->get_queue_entry(uuid); }
  std::string stage(const std::string& uuid) { return entry(uuid).stage; }
  QueueData data(const std::string& uuid) { return parse_queue_data(entry(uuid).data); }
  std::vector<std::string> events(const std::string& uuid) {
    std::vector<std::string> out;
    for (const auto& e : store_->list_queue_events(uuid)) out.push_back(e.type);
    return out;
  }
  StepKind running_kind() { return steps_.started.back().second; }

  std::unique_ptr<state::Store> store_;
  ManualClock clock_;
  test::ManualSteps steps_;
  Scheduler scheduler_;
};

TEST_F(ColdSchedulerTest, ColdMigrationRunsEveryStageInOrderAndWaitsForConfirm) {
  migrate(kDebian);  // no change tracking: a cold migration does not need it
  scheduler_.tick();
  EXPECT_EQ(stage(kDebian), "export");
  EXPECT_EQ(entry(kDebian).status, "Export");
  EXPECT_TRUE(data(kDebian).cold);
  EXPECT_EQ(data(kDebian).target, "incus01");
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"inspect", "Inspect"},   {"write_volume", "Write Volume"}, {"guest_fixes", "Guest Fixes"},
      {"finalize", "Finalize"}, {"completed", "Completed"},
  };
  for (const auto& [s, status] : expected) {
    steps_.finish(kDebian);
    EXPECT_EQ(stage(kDebian), s);
    EXPECT_EQ(entry(kDebian).status, status);
  }
  std::vector<StepKind> kinds;
  for (const auto& [uuid, k] : steps_.started) kinds.push_back(k);
  EXPECT_EQ(kinds,
            (std::vector<StepKind>{StepKind::kExport, StepKind::kInspect, StepKind::kWriteVolume,
                                   StepKind::kGuestFixes, StepKind::kFinalize}));
  EXPECT_EQ(events(kDebian),
            (std::vector<std::string>{"created", "placement", "migration.completed"}));
  // Completed holds no import slot and is not Finished: the batch waits for the user.
  scheduler_.tick();
  EXPECT_EQ(stage(kDebian), "completed");
  EXPECT_EQ(store_->get_batch("cold-DebianBookworm")->status, "Running");
  EXPECT_TRUE(steps_.restored.empty());
  scheduler_.confirm(kDebian);
  EXPECT_EQ(stage(kDebian), "finished");
  EXPECT_FALSE(data(kDebian).source_powered_off);
  scheduler_.tick();
  EXPECT_EQ(store_->get_batch("cold-DebianBookworm")->status, "Finished");
  EXPECT_THROW(scheduler_.confirm(kDebian), std::invalid_argument);
}

TEST_F(ColdSchedulerTest, AFailureInEveryStageEndsInErrorNamingItAndPowersTheSourceBackOn) {
  migrate(kWin);
  scheduler_.tick();
  const std::vector<std::string> stages = {"export", "inspect", "write_volume", "guest_fixes",
                                           "finalize"};
  for (size_t fail_at = 0; fail_at < stages.size(); ++fail_at) {
    ASSERT_EQ(stage(kWin), "export");
    for (size_t i = 0; i < fail_at; ++i) steps_.finish(kWin);
    ASSERT_EQ(stage(kWin), stages[fail_at]);
    const size_t restored = steps_.restored.size();
    steps_.finish(kWin, false, "boom");
    EXPECT_EQ(stage(kWin), "error");
    EXPECT_EQ(entry(kWin).status, "Error");
    EXPECT_EQ(data(kWin).error_stage, stages[fail_at]);
    EXPECT_EQ(data(kWin).error_reason, "boom");
    EXPECT_EQ(steps_.restored.size(), restored + 1) << stages[fail_at];
    EXPECT_EQ(events(kWin).back(), "failed");
    // Retry starts over at Export (creation there finds its own target).
    scheduler_.retry(kWin);
    EXPECT_EQ(stage(kWin), "queued");
    scheduler_.tick();
  }
}

TEST_F(ColdSchedulerTest, ColdMigrationsShareTheImportLimit) {
  migrate(kWin);
  migrate(kDebian);
  scheduler_.tick();
  // import_limit 1: one exports, the other waits in Queued.
  const bool win_first = stage(kWin) == "export";
  const std::string first = win_first ? kWin : kDebian, second = win_first ? kDebian : kWin;
  EXPECT_EQ(stage(first), "export");
  EXPECT_EQ(stage(second), "queued");
  EXPECT_EQ(entry(second).status_message, "Waiting for a worker slot");
  for (int i = 0; i < 5; ++i) steps_.finish(first);
  EXPECT_EQ(stage(first), "completed");
  scheduler_.tick();
  EXPECT_EQ(stage(second), "export");
}

TEST_F(ColdSchedulerTest, CancelOfACompletedMigrationPowersTheSourceBackOn) {
  migrate(kWin);
  scheduler_.tick();
  EXPECT_THROW(scheduler_.confirm(kWin), std::invalid_argument);  // not Completed yet
  for (int i = 0; i < 5; ++i) steps_.finish(kWin);
  ASSERT_EQ(stage(kWin), "completed");
  scheduler_.cancel(kWin);
  EXPECT_EQ(stage(kWin), "canceled");
  EXPECT_EQ(steps_.restored, std::vector<std::string>{kWin});
}

TEST_F(ColdSchedulerTest, AStoppedBatchAbandonsTheStepAndPowersTheSourceBackOn) {
  migrate(kWin);
  scheduler_.tick();
  steps_.finish(kWin);
  ASSERT_EQ(stage(kWin), "inspect");
  const auto b = store_->get_batch("cold-Win2016");
  store_->set_batch_status(b->id, "Stopped", "Stopped");
  scheduler_.tick();
  EXPECT_EQ(stage(kWin), "queued");
  EXPECT_EQ(steps_.stopped, std::vector<std::string>{kWin});
  EXPECT_EQ(steps_.restored, std::vector<std::string>{kWin});
}

TEST(ColdRequest, ParsesTheBodyAndRefusesWhatItDoesNotKnow) {
  const ColdRequest r = parse_cold_request(
      json::parse(R"({"instance":"Win2016","kind":"cold","target":"incus01","project":"p",
                      "pool":"pool02","network_map":{"VMWARE":"incusbr0"}})"));
  EXPECT_EQ(r.instance, "Win2016");
  EXPECT_EQ(r.target, "incus01");
  EXPECT_EQ(r.pool, "pool02");
  EXPECT_EQ(r.network_map.at("VMWARE"), "incusbr0");
  EXPECT_THROW(parse_cold_request(json::parse(R"({"instance":"x"})")), std::invalid_argument);
  EXPECT_THROW(parse_cold_request(json::parse(R"({"instance":"x","target":"t","kind":"warm"})")),
               std::invalid_argument);
  EXPECT_THROW(parse_cold_request(json::parse(R"({"instance":"x","target":"t","bogus":1})")),
               std::invalid_argument);
  EXPECT_THROW(parse_cold_request(json::parse(R"({"instance":"x","target":"t","network_map":[]})")),
               std::invalid_argument);
  EXPECT_THROW(parse_cold_request(json::parse("[]")), std::invalid_argument);
}

TEST_F(ColdSchedulerTest, TheImplicitBatchMatchesOnlyItsInstanceAndMapsNetworksByScriptlet) {
  const state::InstanceRecord win = *store_->get_instance(kWin);
  ColdRequest r;
  r.instance = "Win2016";
  r.target = "incus01";
  r.pool = "pool02";
  r.network_map = {{"VMWARE", "incusbr0"}};
  const batch::BatchConfig cfg = cold_batch(r, win, store_->list_networks());
  EXPECT_EQ(cfg.name, "cold-Win2016");
  EXPECT_EQ(cfg.kind, "cold");
  EXPECT_EQ(cfg.placement.storage_pool, "pool02");
  EXPECT_TRUE(cfg.migration_windows.empty());
  // The config survives the store's JSON (kind included) and the scriptlet compiles and places.
  EXPECT_EQ(batch::batch_from_json(batch::batch_to_json(cfg)).kind, "cold");
  const auto script = starlark::PlacementScript::compile(cfg.placement_scriptlet);
  const json view = inventory::instance_view(win, true);
  json instance = view;
  instance["properties"] = view;
  const auto placed = script.place(instance, batch::batch_to_json(cfg));
  ASSERT_EQ(placed.networks.size(), 1u);
  EXPECT_EQ(placed.networks.begin()->second.network, "incusbr0");
  EXPECT_EQ(find_instance(*store_, "Win2016").uuid, kWin);
  EXPECT_THROW(find_instance(*store_, "nope"), std::invalid_argument);
  r.network_map = {{"NoSuchNetwork", "x"}};
  EXPECT_THROW(cold_batch(r, win, store_->list_networks()), std::invalid_argument);
}

}  // namespace
}  // namespace mm::migration
