// The scheduler's decisions, tick by tick on a manual clock: claiming, restrictions, placement,
// limits, windows, constraints, top-ups, cutover, missed windows, conflicts, cancel and retry.
// Steps are ended by the test (manual_steps.h); the flow tests run the real ones.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "orchestrator/batch/batch_json.h"
#include "orchestrator/inventory/sync.h"
#include "orchestrator/migration/scheduler.h"
#include "tests/inventory/fake_connectors.h"
#include "tests/migration/manual_steps.h"

namespace mm::migration {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

constexpr const char* kWin = "52cfcb6b-20ee-add3-adc9-68c63ca9adfd";
constexpr const char* kUbuntu = "52d5cfe0-d341-82d9-3f23-4149687b4e3e";
constexpr const char* kDebian = "52d89a93-ff8f-9dea-4d74-ec99beb1d2d4";

TimePoint at(int hour, int minute) {
  // 2025-12-01 HH:MM:00 UTC, the documents' windows.
  return TimePoint(std::chrono::seconds(1764547200)) + std::chrono::hours(hour) +
         std::chrono::minutes(minute);
}

class SchedulerTest : public ::testing::Test {
 protected:
  SchedulerTest()
      : store_(state::Store::in_memory()), clock_(at(0, 0)), scheduler_(*store_, clock_, steps_) {
    state::SourceRecord s;
    s.name = "esxi01";
    s.endpoint = "https://127.0.0.1:1";
    s.username = "user";
    s.password = "pw";
    s.trusted_fingerprint = test::kServedFingerprint;
    store_->create_source(s);
    for (const char* name : {"incus01", "incus02"}) {
      state::TargetRecord t;
      t.name = name;
      t.endpoint = "https://127.0.0.1:2";
      store_->create_target(t);
    }
    test::FakeSource source;
    source.password = "pw";
    source.set_inventory(test::esxi_inventory());
    inventory::sync_source(*store_, source, "esxi01");
  }

  static batch::BatchConfig config(const std::string& include) {
    batch::BatchConfig c;
    c.include_expression = include;
    c.migration_windows = {{"window1", at(1, 0), at(1, 10), {}, 0}};
    c.placement.target = "incus01";
    return c;
  }

  void add_batch(const std::string& name, batch::BatchConfig cfg, bool start = true) {
    cfg.name = name;
    state::BatchRecord r;
    r.name = name;
    r.config = batch::batch_to_json(cfg).dump();
    store_->create_batch(r);
    if (start) start_batch(name);
  }
  void start_batch(const std::string& name) {
    const state::BatchRecord r = store_->mark_batch_started(name, "2025-12-01T00:00:00Z");
    store_->set_batch_status(r.id, "Queued", "");
  }
  void edit_batch(const std::string& name, const batch::BatchConfig& cfg) {
    state::BatchRecord r = *store_->get_batch(name);
    r.config = batch::batch_to_json(cfg).dump();
    store_->update_batch(name, r);
  }

  state::QueueRecord entry(const std::string& uuid) {
    auto q = store_->get_queue_entry(uuid);
    EXPECT_TRUE(q) << uuid;
    return q ? *q : state::QueueRecord{};
  }
  std::string stage(const std::string& uuid) { return entry(uuid).stage; }
  std::vector<std::string> events(const std::string& uuid) {
    std::vector<std::string> out;
    for (const auto& e : store_->list_queue_events(uuid)) out.push_back(e.type);
    return out;
  }
  // Ticks and ends steps until nothing more happens at this time.
  void settle() {
    for (int i = 0; i < 20; ++i) {
      scheduler_.tick();
      if (steps_.running_count() == 0) return;
      steps_.finish_all();
    }
  }

  std::unique_ptr<state::Store> store_;
  ManualClock clock_;
  test::ManualSteps steps_;
  Scheduler scheduler_;
};

TEST_F(SchedulerTest, WarmMigrationRunsBackgroundImportTopUpsAndCutoverInTheWindow) {
  auto cfg = config("location matches 'Win2016'");
  cfg.background_sync_interval = 30min;
  add_batch("batch01", cfg);

  scheduler_.tick();
  EXPECT_EQ(stage(kWin), "creating");
  EXPECT_EQ(entry(kWin).status, "Creating");
  EXPECT_EQ(store_->get_batch("batch01")->status, "Running");
  steps_.finish(kWin);
  EXPECT_EQ(stage(kWin), "waiting_import");
  scheduler_.tick();
  EXPECT_EQ(stage(kWin), "background_import");
  EXPECT_EQ(entry(kWin).status, "Performing background import tasks");
  steps_.finish(kWin);
  EXPECT_EQ(stage(kWin), "idle");
  EXPECT_EQ(entry(kWin).status, "Idle");
  EXPECT_EQ(entry(kWin).status_message, "Waiting for migration window");

  // Nothing is due yet; 30 minutes later the periodic top-up is.
  scheduler_.tick();
  EXPECT_EQ(stage(kWin), "idle");
  clock_.set(at(0, 30));
  scheduler_.tick();
  EXPECT_EQ(stage(kWin), "top_up");
  steps_.finish(kWin);
  // final_background_sync_limit (10m) before the window: the final top-up, once.
  clock_.set(at(0, 50));
  scheduler_.tick();
  EXPECT_EQ(stage(kWin), "top_up");
  steps_.finish(kWin);
  clock_.set(at(0, 55));
  scheduler_.tick();
  EXPECT_EQ(stage(kWin), "idle");

  clock_.set(at(1, 0));
  scheduler_.tick();
  EXPECT_EQ(stage(kWin), "final_import");
  EXPECT_EQ(entry(kWin).status, "Performing final import tasks");
  steps_.finish(kWin);  // post-migration starts from the final import's end
  EXPECT_EQ(stage(kWin), "post_migration");
  EXPECT_EQ(entry(kWin).status, "Performing post-migration steps");
  steps_.finish(kWin);
  EXPECT_EQ(stage(kWin), "finished");
  EXPECT_EQ(entry(kWin).status_message, "Finished");
  scheduler_.tick();
  EXPECT_EQ(store_->get_batch("batch01")->status, "Finished");
  EXPECT_EQ(events(kWin), (std::vector<std::string>{
                              "created", "placement", "target.created", "background_import.started",
                              "background_import.completed", "top_up.started", "top_up.completed",
                              "top_up.started", "top_up.completed", "final_import.started",
                              "final_import.completed", "post_migration.started", "finished"}));
  EXPECT_TRUE(parse_queue_data(entry(kWin).data).window.name.empty() ||
              !parse_queue_data(entry(kWin).data).has_window);
}

TEST_F(SchedulerTest, RestrictionsBlockWithTheirReasonUntilTheBatchOverridesThem) {
  auto cfg = config("true");
  add_batch("batch01", cfg);
  scheduler_.tick();
  EXPECT_EQ(entry(kUbuntu).status, "Blocked");
  EXPECT_EQ(entry(kUbuntu).status_message,
            "Could not determine instance OS, check if guest agent is running");
  EXPECT_EQ(entry(kDebian).status, "Blocked");
  EXPECT_EQ(entry(kDebian).status_message, "Background import is not supported");
  EXPECT_EQ(stage(kWin), "creating");

  cfg.instance_restriction_overrides.allow_unknown_os = true;
  edit_batch("batch01", cfg);
  scheduler_.tick();
  EXPECT_EQ(entry(kUbuntu).status_message,
            "Could not determine instance IP, check if guest agent is running");
  cfg.instance_restriction_overrides.allow_no_ipv4 = true;
  cfg.instance_restriction_overrides.allow_no_background_import = true;
  edit_batch("batch01", cfg);
  scheduler_.tick();  // unblocked
  EXPECT_EQ(entry(kUbuntu).status, "Waiting");
  scheduler_.tick();  // placed and created
  EXPECT_EQ(stage(kUbuntu), "creating");
  EXPECT_EQ(stage(kDebian), "creating");
  // Without change tracking there is no background import: straight to waiting for the window.
  steps_.finish(kDebian);
  EXPECT_EQ(stage(kDebian), "idle");
  EXPECT_EQ(entry(kDebian).status_message, "Waiting for migration window");
  clock_.set(at(0, 59));
  scheduler_.tick();
  EXPECT_EQ(stage(kDebian), "idle");  // no top-ups without CBT
}

TEST_F(SchedulerTest, TheFirstStartedBatchClaimsASharedInstance) {
  add_batch("batch01", config("location matches 'Win2016'"), false);
  add_batch("batch02", config("background_import"));
  start_batch("batch01");
  scheduler_.tick();
  EXPECT_EQ(entry(kWin).batch_name, "batch02");
}

TEST_F(SchedulerTest, CreateAndImportLimitsAreNeverExceeded) {
  state::TargetRecord t = *store_->get_target("incus01");
  t.create_limit = 1;
  t.import_limit = 1;
  store_->update_target("incus01", t);
  auto cfg = config("true");
  cfg.instance_restriction_overrides = {true, true, true};
  add_batch("batch01", cfg);
  for (int round = 0; round < 6; ++round) {
    scheduler_.tick();
    EXPECT_LE(steps_.running_count(StepKind::kCreate), 1u);
    EXPECT_LE(steps_.running_count(StepKind::kBackgroundImport), 1u);
    steps_.finish_all();
  }
  EXPECT_EQ(stage(kWin), "idle");
  EXPECT_EQ(stage(kUbuntu), "idle");
  EXPECT_EQ(stage(kDebian), "idle");
}

TEST_F(SchedulerTest, AMissedWindowPowersTheSourceBackOnAndWaitsForTheNextWindow) {
  auto cfg = config("location matches 'Win2016'");
  cfg.migration_windows.push_back({"window2", at(2, 0), at(2, 10), {}, 0});
  add_batch("batch01", cfg);
  settle();
  clock_.set(at(1, 0));
  scheduler_.tick();
  ASSERT_EQ(stage(kWin), "final_import");
  clock_.set(at(1, 10));  // the window ends before the final import did
  scheduler_.tick();
  EXPECT_EQ(stage(kWin), "idle");
  EXPECT_EQ(steps_.stopped, std::vector<std::string>{kWin});
  EXPECT_EQ(steps_.restored, std::vector<std::string>{kWin});
  EXPECT_EQ(entry(kWin).window_name, "window2");
  clock_.set(at(2, 0));
  settle();
  EXPECT_EQ(stage(kWin), "finished");
}

TEST_F(SchedulerTest, TheNextWindowAfterAMissedOneGetsItsOwnFinalTopUp) {
  auto cfg = config("location matches 'Win2016'");
  cfg.background_sync_interval = std::chrono::seconds(0);  // only final top-ups
  cfg.migration_windows.push_back({"window2", at(2, 0), at(2, 10), {}, 0});
  add_batch("batch01", cfg);
  settle();
  clock_.set(at(0, 50));
  settle();  // window1's final top-up
  clock_.set(at(1, 0));
  scheduler_.tick();
  ASSERT_EQ(stage(kWin), "final_import");
  clock_.set(at(1, 10));
  scheduler_.tick();
  ASSERT_EQ(entry(kWin).window_name, "window2");
  clock_.set(at(1, 49));
  scheduler_.tick();
  EXPECT_EQ(stage(kWin), "idle");
  clock_.set(at(1, 50));  // final_background_sync_limit (10m) before window2
  scheduler_.tick();
  EXPECT_EQ(stage(kWin), "top_up");
  int top_ups = 0;
  for (const std::string& e : events(kWin)) top_ups += e == "top_up.started";
  EXPECT_EQ(top_ups, 2);
}

TEST_F(SchedulerTest, AWindowWithoutAnEndIsUsedAndNeverMissed) {
  auto cfg = config("location matches 'Win2016'");
  cfg.migration_windows = {{"open", at(1, 0), TimePoint{}, {}, 0}};
  add_batch("batch01", cfg);
  settle();
  EXPECT_EQ(entry(kWin).window_name, "open");
  EXPECT_EQ(entry(kWin).status_message, "Waiting for migration window");
  clock_.set(at(1, 0));
  scheduler_.tick();
  ASSERT_EQ(stage(kWin), "final_import");
  clock_.set(at(30, 0));  // a day later the final import is still in its window
  scheduler_.tick();
  EXPECT_EQ(stage(kWin), "final_import");
  EXPECT_TRUE(steps_.stopped.empty());
  settle();
  EXPECT_EQ(stage(kWin), "finished");
}

TEST_F(SchedulerTest, MinimumBootTimeChoosesALongEnoughWindowAndConstraintsLimitConcurrency) {
  auto cfg = config("true");
  cfg.instance_restriction_overrides = {true, true, true};
  cfg.migration_windows.push_back({"window2", at(1, 0), at(3, 0), {}, 0});
  cfg.constraints.push_back(
      {"constraint1", "no CBT needs 1h", "background_import == false", 0, 1h});
  cfg.constraints.push_back({"one-at-a-time", "", "background_import == true", 1, 0ns});
  add_batch("batch01", cfg);
  settle();
  EXPECT_EQ(entry(kDebian).window_name, "window2");
  EXPECT_EQ(entry(kWin).window_name, "window1");
  clock_.set(at(1, 0));
  scheduler_.tick();
  // Win2016 and Ubuntu share the one-at-a-time constraint: one of them cuts over.
  const int finals = (stage(kWin) == "final_import") + (stage(kUbuntu) == "final_import");
  EXPECT_EQ(finals, 1);
  EXPECT_EQ(stage(kDebian), "final_import");
  settle();
  EXPECT_EQ(stage(kWin), "finished");
  EXPECT_EQ(stage(kUbuntu), "finished");
}

TEST_F(SchedulerTest, WindowCapacityAndLockoutAreHonoured) {
  auto cfg = config("true");
  cfg.instance_restriction_overrides = {true, true, true};
  cfg.migration_windows = {{"small", at(1, 0), at(1, 10), {}, 1},
                           {"locked", at(1, 0), at(2, 0), at(0, 30), 0},
                           {"late", at(3, 0), at(4, 0), {}, 0}};
  add_batch("batch01", cfg);
  clock_.set(at(0, 40));  // past the lockout of "locked"
  settle();
  int small = 0, late = 0;
  for (const char* u : {kWin, kUbuntu, kDebian}) {
    small += entry(u).window_name == "small";
    late += entry(u).window_name == "late";
  }
  EXPECT_EQ(small, 1);
  EXPECT_EQ(late, 2);
}

TEST_F(SchedulerTest, ASourceChangedBeforeCutoverIsAConflictUntilResolved) {
  add_batch("batch01", config("location matches 'Win2016'"));
  settle();
  auto inv = test::esxi_inventory();
  inv.vms[0].cpus = 8;
  test::FakeSource source;
  source.password = "pw";
  source.set_inventory(inv);
  inventory::sync_source(*store_, source, "esxi01");
  clock_.set(at(1, 0));
  scheduler_.tick();
  EXPECT_EQ(entry(kWin).status, "Conflict");
  EXPECT_NE(entry(kWin).status_message.find("cpus"), std::string::npos);
  EXPECT_THROW(scheduler_.retry(kWin), std::invalid_argument);
  scheduler_.resolve(kWin);
  settle();
  EXPECT_EQ(stage(kWin), "finished");
}

TEST_F(SchedulerTest, CancelStopsTheStepAndRetryStartsOver) {
  add_batch("batch01", config("location matches 'Win2016'"));
  scheduler_.tick();
  steps_.finish(kWin);
  scheduler_.tick();
  ASSERT_EQ(stage(kWin), "background_import");
  scheduler_.cancel(kWin);
  EXPECT_EQ(entry(kWin).status, "Canceled");
  EXPECT_EQ(steps_.stopped, std::vector<std::string>{kWin});
  scheduler_.tick();
  EXPECT_EQ(stage(kWin), "canceled");
  scheduler_.retry(kWin);
  scheduler_.tick();
  EXPECT_EQ(stage(kWin), "background_import");
}

TEST_F(SchedulerTest, PostMigrationIsRetriedThenFails) {
  auto cfg = config("location matches 'Win2016'");
  cfg.post_migration_retries = 2;
  add_batch("batch01", cfg);
  settle();
  clock_.set(at(1, 0));
  scheduler_.tick();
  steps_.finish(kWin);
  ASSERT_EQ(stage(kWin), "post_migration");
  steps_.finish(kWin, false, "boom 1");
  EXPECT_EQ(stage(kWin), "post_migration");
  steps_.finish(kWin, false, "boom 2");
  EXPECT_EQ(stage(kWin), "post_migration");
  steps_.finish(kWin, false, "boom 3");
  EXPECT_EQ(entry(kWin).status, "Error");
  EXPECT_EQ(entry(kWin).status_message, "boom 3");
  EXPECT_EQ(events(kWin).back(), "failed");
}

TEST_F(SchedulerTest, StoppingTheBatchAbandonsRunningStepsResumably) {
  add_batch("batch01", config("location matches 'Win2016'"));
  scheduler_.tick();
  steps_.finish(kWin);
  scheduler_.tick();
  ASSERT_EQ(stage(kWin), "background_import");
  const state::BatchRecord b = *store_->get_batch("batch01");
  store_->set_batch_status(b.id, "Stopped", "");
  scheduler_.tick();
  EXPECT_EQ(stage(kWin), "waiting_import");
  EXPECT_EQ(steps_.stopped, std::vector<std::string>{kWin});
  store_->set_batch_status(b.id, "Running", "");
  scheduler_.tick();
  EXPECT_EQ(stage(kWin), "background_import");
}

TEST_F(SchedulerTest, AStepLeftRunningByADeadDaemonIsResumed) {
  add_batch("batch01", config("location matches 'Win2016'"));
  scheduler_.tick();
  steps_.finish(kWin);
  scheduler_.tick();
  ASSERT_EQ(stage(kWin), "background_import");
  // A new daemon: same store, no steps running.
  test::ManualSteps fresh;
  Scheduler again(*store_, clock_, fresh);
  again.tick();
  ASSERT_EQ(fresh.started.size(), 1u);
  EXPECT_EQ(fresh.started[0].second, StepKind::kBackgroundImport);
  // Resuming does not repeat the "started" event.
  const auto ev = events(kWin);
  EXPECT_EQ(std::count(ev.begin(), ev.end(), "background_import.started"), 1);
}

}  // namespace
}  // namespace mm::migration

namespace mm::migration {
namespace {

// The scheduler's writes cannot bring back entries a batch reset deleted while a tick was running.
TEST_F(SchedulerTest, EntriesDeletedByAResetAreNotWrittenBack) {
  add_batch("batch01", config("location matches 'Win2016'"));
  scheduler_.tick();
  state::QueueRecord q = entry(kWin);
  // What `batch stop` + `batch reset` do, as a tick holding the old row would see it afterwards.
  const state::BatchRecord b = *store_->get_batch("batch01");
  store_->set_batch_status(b.id, "Defined", "Defined");
  store_->delete_queue_entry(kWin);
  EXPECT_FALSE(store_->update_queue_entry(q, {}));
  EXPECT_FALSE(store_->claim_queue_entry(q, {}));
  EXPECT_FALSE(store_->get_queue_entry(kWin));
  // Started again, the batch claims it once; a second claim of the same instance is refused.
  store_->set_batch_status(b.id, "Running", "Running");
  EXPECT_TRUE(store_->claim_queue_entry(q, {}));
  EXPECT_FALSE(store_->claim_queue_entry(q, {}));
}

}  // namespace
}  // namespace mm::migration
