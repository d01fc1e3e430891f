// `mm-bench report`: the measured stage durations from the queue events next to a plan's.
#include "bench/mm-bench/report.h"

#include <gtest/gtest.h>

#include <cmath>

#include "bench/mm-bench/plan_output.h"
#include "bench/mm-bench/planner.h"
#include "orchestrator/batch/window_time.h"
#include "tests/bench/fixtures.h"

namespace mm::bench {
namespace {

using nlohmann::json;
using namespace mm::bench::test;

TEST(Report, MeasuredNextToPredicted) {
  json bd = bundle(batch_json(), {instance_json("a", "vm1", 1024)});
  PlanOptions o;
  o.now = *batch::parse_window_time(kNow);
  o.stream_bytes_per_second = 100 * kMiB;
  o.create_seconds = o.cycle_seconds = o.disk_seconds = o.power_off_seconds = 0;
  o.post_migration_seconds = 2;
  const json plan = plan_to_json(make_plan(plan_input_from_json(bd), o));
  // What happened: the import took 12.8 s (predicted 10.24 s), the downtime 4 s.
  auto ev = [](int id, const char* time, const char* type) {
    return json{{"id", id},     {"instance_uuid", "a"}, {"time", time},
                {"type", type}, {"message", ""},        {"data", json::object()}};
  };
  bd["events"] = json::array({ev(1, "2025-12-01T00:00:00Z", "background_import.started"),
                              ev(2, "2025-12-01T00:00:12.8Z", "background_import.completed"),
                              ev(3, "2025-12-01T01:00:00Z", "final_import.started"),
                              ev(4, "2025-12-01T01:00:01Z", "final_import.completed"),
                              ev(5, "2025-12-01T01:00:01Z", "post_migration.started"),
                              ev(6, "2025-12-01T01:00:04Z", "finished")});
  const Report r = make_report(plan_input_from_json(bd), plan);
  ASSERT_GE(r.rows.size(), 2u);
  EXPECT_EQ(r.rows[0].stage, "background_import");
  EXPECT_NEAR(*r.rows[0].predicted, 10.24, 1e-3);
  EXPECT_NEAR(*r.rows[0].measured, 12.8, 1e-3);
  const auto downtime = std::find_if(
      r.rows.begin(), r.rows.end(), [](const StageComparison& c) { return c.stage == "downtime"; });
  ASSERT_NE(downtime, r.rows.end());
  EXPECT_NEAR(*downtime->measured, 4, 1e-3);
  ASSERT_TRUE(r.worst_error);
  // Predicted downtime: 2 s of post-migration and a few KiB of assumed changes.
  EXPECT_NEAR(*downtime->predicted, 2, 0.05);
  // The largest error is the downtime's (|2 - 4| / 4), above the import's |10.24 - 12.8| / 12.8.
  EXPECT_NEAR(*r.worst_error, std::fabs(*downtime->predicted - 4) / 4, 1e-9);
  EXPECT_NE(report_table(r).find("-20%"), std::string::npos) << report_table(r);
  EXPECT_THROW(make_report(plan_input_from_json(bd), json::array()), std::invalid_argument);
}

}  // namespace
}  // namespace mm::bench
