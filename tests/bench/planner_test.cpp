// The planner's arithmetic on API-shaped fixtures, with the fixed costs set to zero (or to round
// figures) so every expected time is computed by hand in the comment beside it.
#include "bench/mm-bench/planner.h"

#include <gtest/gtest.h>

#include "bench/mm-bench/plan_output.h"
#include "orchestrator/batch/window_time.h"
#include "tests/bench/fixtures.h"

namespace mm::bench {
namespace {

using nlohmann::json;
using namespace mm::bench::test;

PlanOptions options() {
  PlanOptions o;
  o.now = *batch::parse_window_time(kNow);
  o.stream_bytes_per_second = 100 * kMiB;
  o.throughput_origin = "test";
  o.change_rate = 1 * kMiB;
  o.create_seconds = o.cycle_seconds = o.disk_seconds = o.power_off_seconds = 0;
  o.post_migration_seconds = 0;
  return o;
}

double at(const Plan& p, TimePoint t) {
  return std::chrono::duration<double>(t - p.now).count();
}

const PlannedStage* stage(const InstancePlan& i, const std::string& kind, int nth = 0) {
  for (const PlannedStage& s : i.stages) {
    if (s.kind == kind && nth-- == 0) return &s;
  }
  return nullptr;
}

TEST(Planner, OneInstanceBackgroundFinalTopUpAndCutover) {
  const Plan p = make_plan(
      plan_input_from_json(bundle(batch_json(), {instance_json("a", "vm1", 10240)})), options());
  ASSERT_EQ(p.instances.size(), 1u);
  const InstancePlan& i = p.instances[0];
  // 10 GiB at 100 MiB/s: 102.4 s from the start.
  const PlannedStage* bg = stage(i, "background_import");
  ASSERT_TRUE(bg);
  EXPECT_NEAR(at(p, bg->start), 0, 1e-3);
  EXPECT_NEAR(at(p, bg->end), 102.4, 1e-3);
  // No periodic top-up (interval 0s); the final top-up 5 min before the window (3300 s) copies the
  // changes since the background import's snapshot (t=0): 3300 MiB, 33 s.
  EXPECT_FALSE(stage(i, "top_up"));
  const PlannedStage* ft = stage(i, "final_top_up");
  ASSERT_TRUE(ft);
  EXPECT_NEAR(at(p, ft->start), 3300, 1e-3);
  EXPECT_NEAR(static_cast<double>(ft->bytes) / kMiB, 3300, 0.01);
  EXPECT_NEAR(at(p, ft->end), 3333, 1e-2);
  // Cutover at the window's start (3600 s): the 300 s of changes since the final top-up's
  // snapshot, 300 MiB, 3 s of downtime.
  ASSERT_TRUE(i.cutover_start);
  EXPECT_NEAR(at(p, *i.cutover_start), 3600, 1e-3);
  EXPECT_NEAR(static_cast<double>(i.final_bytes) / kMiB, 300, 0.01);
  EXPECT_NEAR(i.downtime_seconds, 3, 1e-2);
  EXPECT_EQ(i.verdict, "fits");
  EXPECT_TRUE(p.all_fit);
  EXPECT_EQ(i.window, "w1");
}

TEST(Planner, PeriodicTopUpsFollowTheInterval) {
  json b = batch_json();
  b["config"]["background_sync_interval"] = "10m0s";
  const Plan p =
      make_plan(plan_input_from_json(bundle(b, {instance_json("a", "vm1", 10240)})), options());
  const InstancePlan& i = p.instances[0];
  // First top-up 600 s after the background import completed (102.4 s): changes since its
  // snapshot at 0 s, 702.4 MiB, 7.024 s.
  const PlannedStage* t1 = stage(i, "top_up");
  ASSERT_TRUE(t1);
  EXPECT_NEAR(at(p, t1->start), 702.4, 1e-2);
  EXPECT_NEAR(static_cast<double>(t1->bytes) / kMiB, 702.4, 0.01);
  EXPECT_NEAR(at(p, t1->end), 709.424, 1e-2);
  // The second: 600 s after that, changes since 702.4 s.
  const PlannedStage* t2 = stage(i, "top_up", 1);
  ASSERT_TRUE(t2);
  EXPECT_NEAR(at(p, t2->start), 1309.424, 1e-2);
  EXPECT_NEAR(static_cast<double>(t2->bytes) / kMiB, 1309.424 - 702.4, 0.01);
  // Five periodic top-ups fit before the final one is due (3300 s): the sixth would start at
  // about 3733 s. (Each is due at exactly "last sync + interval": a rounding error must not skip
  // one.)
  EXPECT_TRUE(stage(i, "top_up", 4));
  EXPECT_FALSE(stage(i, "top_up", 5));
  // A final top-up still comes 5 min before the window, and the cutover copies 300 s of changes.
  ASSERT_TRUE(stage(i, "final_top_up"));
  EXPECT_NEAR(at(p, stage(i, "final_top_up")->start), 3300, 1e-2);
  EXPECT_NEAR(i.downtime_seconds, 3, 1e-2);
}

TEST(Planner, ImportLimitQueuesTheSecondInstance) {
  const Plan p = make_plan(
      plan_input_from_json(
          bundle(batch_json(), {instance_json("a", "vm1", 10240), instance_json("b", "vm2", 5120)},
                 /*source_limit=*/1)),
      options());
  // UUID order: "a" first; "b" waits for the slot, 51.2 s after 102.4 s.
  EXPECT_NEAR(at(p, stage(p.instances[1], "background_import")->start), 102.4, 1e-2);
  EXPECT_NEAR(at(p, stage(p.instances[1], "background_import")->end), 153.6, 1e-2);
}

TEST(Planner, ConcurrentCopiesShareTheAggregate) {
  PlanOptions o = options();
  o.aggregate_bytes_per_second = 100 * kMiB;
  const Plan p = make_plan(
      plan_input_from_json(bundle(
          batch_json(), {instance_json("a", "vm1", 10240), instance_json("b", "vm2", 5120)})),
      o);
  // Both at 50 MiB/s until "b" is done (5120 MiB: 102.4 s); "a" has 5120 MiB left, alone at
  // 100 MiB/s: 51.2 s more.
  EXPECT_NEAR(at(p, stage(p.instances[1], "background_import")->end), 102.4, 1e-2);
  EXPECT_NEAR(at(p, stage(p.instances[0], "background_import")->end), 153.6, 1e-2);
}

TEST(Planner, WindowTooShortIsMissed) {
  const Plan p = make_plan(
      plan_input_from_json(bundle(batch_json(R"([{"name": "w1", "start": "2025-12-01T01:00:00Z",
        "end": "2025-12-01T01:00:02Z", "lockout": "0001-01-01T00:00:00Z", "capacity": 0}])"),
                                  {instance_json("a", "vm1", 10240)})),
      options());
  const InstancePlan& i = p.instances[0];
  // The final import needs 3 s; the window is 2 s: missed, and no other window.
  EXPECT_EQ(i.verdict, "does not fit");
  EXPECT_FALSE(p.all_fit);
  ASSERT_FALSE(i.problems.empty());
  EXPECT_NE(i.problems[0].find("window missed"), std::string::npos) << i.problems[0];
}

TEST(Planner, MissedWindowMovesToTheNext) {
  const Plan p = make_plan(plan_input_from_json(bundle(batch_json(R"([
        {"name": "short", "start": "2025-12-01T01:00:00Z", "end": "2025-12-01T01:00:02Z",
         "lockout": "0001-01-01T00:00:00Z", "capacity": 0},
        {"name": "long", "start": "2025-12-01T03:00:00Z", "end": "2025-12-01T04:00:00Z",
         "lockout": "0001-01-01T00:00:00Z", "capacity": 0}])"),
                                                       {instance_json("a", "vm1", 10240)})),
                           options());
  const InstancePlan& i = p.instances[0];
  EXPECT_EQ(i.verdict, "late");
  EXPECT_EQ(i.window, "long");
  // The missed cutover (3600-3602 s) left the source on; the next one at 10800 s copies the changes
  // since the final top-up's snapshot (3300 s): 7500 MiB, 75 s.
  EXPECT_NEAR(at(p, *i.cutover_start), 10800, 1e-2);
  EXPECT_NEAR(i.downtime_seconds, 75, 0.1);
}

TEST(Planner, WindowCapacityPushesTheSecondInstance) {
  const Plan p = make_plan(plan_input_from_json(bundle(
                               batch_json(R"([
        {"name": "w1", "start": "2025-12-01T01:00:00Z", "end": "2025-12-01T02:00:00Z",
         "lockout": "0001-01-01T00:00:00Z", "capacity": 1},
        {"name": "w2", "start": "2025-12-01T03:00:00Z", "end": "2025-12-01T04:00:00Z",
         "lockout": "0001-01-01T00:00:00Z", "capacity": 1}])"),
                               {instance_json("a", "vm1", 1024), instance_json("b", "vm2", 1024)})),
                           options());
  EXPECT_EQ(p.instances[0].window, "w1");
  EXPECT_EQ(p.instances[1].window, "w2");
  EXPECT_EQ(p.instances[1].verdict, "fits");  // w2 was its first window
}

TEST(Planner, MaxConcurrentInstancesSerializesCutovers) {
  json b = batch_json();
  b["constraints"] = json::parse(R"([{"name": "one", "description": "",
      "include_expression": "true", "max_concurrent_instances": 1, "min_instance_boot_time": ""}])");
  PlanOptions o = options();
  o.post_migration_seconds = 10;
  const Plan p = make_plan(plan_input_from_json(bundle(b, {instance_json("a", "vm1", 1024),
                                                           instance_json("b", "vm2", 1024)})),
                           o);
  // "a" cuts over at 3600 s: 3 s of changes + 10 s of post-migration; "b" starts after, at 3613 s.
  EXPECT_NEAR(at(p, *p.instances[0].cutover_end), 3613, 1e-2);
  EXPECT_NEAR(at(p, *p.instances[1].cutover_start), 3613, 1e-2);
  EXPECT_NE(p.instances[1].problems.at(0).find("constraint \"one\""), std::string::npos);
}

TEST(Planner, MinBootTimeSkipsShortWindows) {
  json b = batch_json(R"([
      {"name": "w1", "start": "2025-12-01T01:00:00Z", "end": "2025-12-01T01:30:00Z",
       "lockout": "0001-01-01T00:00:00Z", "capacity": 0},
      {"name": "w2", "start": "2025-12-01T03:00:00Z", "end": "2025-12-01T05:00:00Z",
       "lockout": "0001-01-01T00:00:00Z", "capacity": 0}])");
  b["constraints"] = json::parse(R"([{"name": "boot", "description": "",
      "include_expression": "name == 'vm1'", "max_concurrent_instances": 0,
      "min_instance_boot_time": "1h0m0s"}])");
  const Plan p = make_plan(plan_input_from_json(bundle(b, {instance_json("a", "vm1", 1024),
                                                           instance_json("b", "vm2", 1024)})),
                           options());
  EXPECT_EQ(p.instances[0].window, "w2");  // the constraint matches vm1 only
  EXPECT_EQ(p.instances[1].window, "w1");
}

TEST(Planner, RestrictedInstanceIsBlocked) {
  const Plan p = make_plan(
      plan_input_from_json(bundle(batch_json(), {instance_json("a", "vm1", 1024, /*cbt=*/false)})),
      options());
  EXPECT_EQ(p.instances[0].verdict, "blocked");
  EXPECT_EQ(p.instances[0].problems.at(0), "Background import is not supported");
}

TEST(Planner, NoBackgroundImportAllowedCopiesEverythingAtCutover) {
  json b = batch_json();
  b["config"]["instance_restriction_overrides"]["allow_no_background_import"] = true;
  const Plan p = make_plan(
      plan_input_from_json(bundle(b, {instance_json("a", "vm1", 1024, /*cbt=*/false)})), options());
  EXPECT_FALSE(stage(p.instances[0], "background_import"));
  EXPECT_NEAR(p.instances[0].downtime_seconds, 10.24, 1e-2);  // 1 GiB at 100 MiB/s
}

TEST(Planner, WindowWithoutEndNeverCloses) {
  const Plan p = make_plan(
      plan_input_from_json(bundle(batch_json(R"([{"name": "open", "start": "2025-12-01T01:00:00Z",
        "end": "0001-01-01T00:00:00Z", "lockout": "0001-01-01T00:00:00Z", "capacity": 0}])"),
                                  {instance_json("a", "vm1", 1024)})),
      options());
  const InstancePlan& i = p.instances[0];
  EXPECT_EQ(i.verdict, "fits");
  EXPECT_EQ(i.window, "open");
  ASSERT_TRUE(i.cutover_start);
  EXPECT_NEAR(at(p, *i.cutover_start), 3600, 1e-3);  // at the window's start
  EXPECT_FALSE(i.window_end);
}

TEST(Planner, FixedCostsAddUp) {
  PlanOptions o = options();
  o.create_seconds = 5;
  o.cycle_seconds = 2;
  o.disk_seconds = 1;
  o.power_off_seconds = 4;
  o.post_migration_seconds = 6;
  const Plan p =
      make_plan(plan_input_from_json(bundle(batch_json(), {instance_json("a", "vm1", 1024)})), o);
  const InstancePlan& i = p.instances[0];
  // create 5 s, then the import: 2 + 1 s of fixed costs and 10.24 s of data.
  EXPECT_NEAR(at(p, stage(i, "background_import")->start), 5, 1e-2);
  EXPECT_NEAR(at(p, stage(i, "background_import")->end), 18.24, 1e-2);
  // Downtime: power-off 4 + cycle 2 + disk 1 + 300 MiB (3 s) + post-migration 6 = 16 s.
  EXPECT_NEAR(i.downtime_seconds, 16, 1e-2);
}

TEST(Planner, AssumptionsAreStated) {
  PlanOptions o = options();
  o.change_rate.reset();
  const Plan p =
      make_plan(plan_input_from_json(bundle(batch_json(), {instance_json("a", "vm1", 1024)})), o);
  std::string all;
  for (const auto& a : p.assumptions) all += a + "\n";
  EXPECT_NE(all.find("allocated bytes"), std::string::npos) << all;
  EXPECT_NE(all.find("change rate assumed 1.00%"), std::string::npos) << all;
  EXPECT_EQ(p.instances[0].change_rate_origin, "assumed");
  // The outputs render.
  EXPECT_NE(plan_table(p).find("vm1"), std::string::npos);
  EXPECT_EQ(plan_to_json(p)["instances"][0]["verdict"], "fits");
  EXPECT_NE(plan_svg(p).find("<svg"), std::string::npos);
}

TEST(Planner, ObservedChangeRateFromTopUps) {
  json bd = bundle(batch_json(), {instance_json("a", "vm1", 10240)});
  bd["batch"]["status"] = "Running";
  bd["queue"] = json::parse(R"([{"instance_uuid": "a", "stage": "idle",
      "placement": {"target": "incus01"}}])");
  // Background import 23:00:00-23:01:40; a top-up at 23:11:40 moved 600 MiB in two disks' worth
  // of progress: 600 MiB over the 700 s since the import's snapshot.
  auto ev = [](int id, const char* time, const char* type, json data = json::object(),
               const char* msg = "") {
    return json{{"id", id},           {"instance_uuid", "a"}, {"instance_name", "vm1"},
                {"batch", "batch01"}, {"time", time},         {"type", type},
                {"message", msg},     {"data", data}};
  };
  bd["events"] = json::array({
      ev(1, "2025-11-30T23:00:00Z", "background_import.started"),
      ev(2, "2025-11-30T23:01:40Z", "background_import.completed"),
      ev(3, "2025-11-30T23:11:40Z", "top_up.started", json::object(), "Periodic top-up"),
      ev(4, "2025-11-30T23:11:41Z", "top_up.progress",
         {{"disk", "d"}, {"bytes_done", 0}, {"bytes_total", 10737418240LL}}),
      ev(5, "2025-11-30T23:11:46Z", "top_up.progress",
         {{"disk", "d"}, {"bytes_done", 629145600}, {"bytes_total", 629145600}}),
      ev(6, "2025-11-30T23:11:46Z", "top_up.completed"),
  });
  PlanOptions o = options();
  o.change_rate.reset();
  const Plan p = make_plan(plan_input_from_json(bd), o);
  const InstancePlan& i = p.instances[0];
  EXPECT_EQ(i.change_rate_origin, "observed (1 sync(s))");
  EXPECT_NEAR(i.change_rate, 600 * kMiB / 700, 1);
  // Already imported: no background import is planned, only the final top-up and the cutover.
  EXPECT_FALSE(stage(i, "background_import"));
  EXPECT_TRUE(stage(i, "final_top_up"));
  EXPECT_EQ(i.verdict, "fits");
}

TEST(Planner, FinishedInstancesStayFinished) {
  json bd = bundle(batch_json(), {instance_json("a", "vm1", 1024)});
  bd["queue"] = json::parse(R"([{"instance_uuid": "a", "stage": "finished"}])");
  const Plan p = make_plan(plan_input_from_json(bd), options());
  EXPECT_EQ(p.instances[0].verdict, "finished");
  EXPECT_TRUE(p.instances[0].stages.empty());
}

TEST(Planner, ColdBatchCopiesEverythingWithTheSourceOff) {
  json b = batch_json();
  b["config"]["kind"] = "cold";
  PlanOptions o = options();
  const Plan p = make_plan(
      plan_input_from_json(bundle(b, {instance_json("a", "vm1", 1024, /*cbt=*/false)})), o);
  EXPECT_TRUE(stage(p.instances[0], "cold_import"));
  EXPECT_NEAR(p.instances[0].downtime_seconds, 10.24, 1e-2);
  EXPECT_EQ(p.instances[0].verdict, "fits");
}

TEST(Planner, RefusesWithoutThroughput) {
  PlanOptions o = options();
  o.stream_bytes_per_second = 0;
  EXPECT_THROW(make_plan(plan_input_from_json(bundle(batch_json(), {})), o), std::invalid_argument);
}

}  // namespace
}  // namespace mm::bench
