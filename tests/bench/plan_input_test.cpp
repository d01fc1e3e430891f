// The plan's input bundle: API shapes in, checked types out, errors that name the field.
#include "bench/mm-bench/plan_input.h"

#include <gtest/gtest.h>

#include "bench/mm-bench/history.h"
#include "tests/bench/fixtures.h"

namespace mm::bench {
namespace {

using nlohmann::json;
using namespace mm::bench::test;

std::string error_of(const std::string& text) {
  try {
    parse_plan_input(text);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

TEST(PlanInput, ReadsTheApiShapes) {
  json bd =
      bundle(batch_json(), {instance_json("b", "vm2", 10), instance_json("a", "vm1", 20)}, 3, 4);
  const PlanInput in = plan_input_from_json(bd);
  EXPECT_EQ(in.batch.name, "batch01");
  ASSERT_EQ(in.instances.size(), 2u);
  EXPECT_EQ(in.instances[0].uuid, "a");  // UUID order, as the scheduler serves them
  EXPECT_EQ(in.instances[0].disks.at(0).capacity, static_cast<int64_t>(20 * kMiB));
  EXPECT_FALSE(in.instances[0].disks[0].allocated);
  EXPECT_EQ(in.instances[0].view["source"], "vcenter01");
  EXPECT_EQ(in.source_import_limit.at("vcenter01"), 3);
  EXPECT_EQ(in.targets.at("incus01").import_limit, 4);
  EXPECT_EQ(in.targets.at("incus01").create_limit, 10);
  EXPECT_FALSE(in.start_date);
}

TEST(PlanInput, AllocatedBytesWhenGiven) {
  json inst = instance_json("a", "vm1", 10);
  inst["properties"]["disks"][0]["allocated"] = 1024;
  const PlanInput in = plan_input_from_json(bundle(batch_json(), {inst}));
  EXPECT_EQ(in.instances[0].disks[0].allocated, 1024);
}

TEST(PlanInput, ErrorsNameTheField) {
  EXPECT_EQ(error_of("[]"), "plan input: bundle: must be a JSON object");
  EXPECT_EQ(error_of("{"), "plan input: not valid JSON");
  EXPECT_NE(error_of("{}").find("batch: is required"), std::string::npos);
  json bd = bundle(batch_json(), {instance_json("a", "vm1", 10)});
  bd["instances"][0]["properties"]["disks"][0]["capacity"] = "big";
  EXPECT_EQ(error_of(bd.dump()),
            "plan input: instances[0].properties.disks[0].capacity: must be an integer");
  bd = bundle(batch_json(), {});
  bd["instances"] = json::array({"/1.0/instances/a"});
  EXPECT_NE(error_of(bd.dump()).find("ask with ?recursion=1"), std::string::npos);
  bd = bundle(batch_json(), {});
  bd["events"] = json::parse(R"([{"id": 1, "time": "yesterday"}])");
  EXPECT_NE(error_of(bd.dump()).find("events[0].time"), std::string::npos);
  bd = bundle(batch_json(), {});
  bd["batch"]["config"]["background_sync_interval"] = "often";
  EXPECT_NE(error_of(bd.dump()).find("background_sync_interval"), std::string::npos);
}

TEST(History, CyclesAndChangeRates) {
  auto ev = [](int id, const char* time, const char* type, json data = json::object(),
               const char* msg = "") {
    return json{{"id", id},     {"instance_uuid", "a"}, {"time", time},
                {"type", type}, {"message", msg},       {"data", data}};
  };
  json bd = bundle(batch_json(), {});
  bd["events"] = json::array({
      ev(1, "2025-12-01T00:00:00Z", "background_import.started"),
      ev(2, "2025-12-01T00:00:10Z", "background_import.progress",
         {{"disk", "d"}, {"bytes_done", 100}, {"bytes_total", 100}}),
      ev(3, "2025-12-01T00:00:10Z", "background_import.completed"),
      ev(4, "2025-12-01T00:01:40Z", "top_up.started", json::object(),
         "Final top-up before the migration window"),
      ev(5, "2025-12-01T00:01:41Z", "top_up.progress",
         {{"disk", "d"}, {"bytes_done", 0}, {"bytes_total", 100}}),
      ev(6, "2025-12-01T00:01:42Z", "top_up.completed"),
      ev(7, "2025-12-01T00:02:00Z", "final_import.started"),
      ev(8, "2025-12-01T00:02:01Z", "final_import.progress",
         {{"disk", "d"}, {"bytes_done", 40}, {"bytes_total", 40}}),
      ev(9, "2025-12-01T00:02:03Z", "final_import.completed"),
      ev(10, "2025-12-01T00:02:03Z", "post_migration.started"),
      ev(11, "2025-12-01T00:02:05Z", "finished"),
  });
  const auto h = history_from_events(plan_input_from_json(bd).events).at("a");
  ASSERT_EQ(h.cycles.size(), 4u);
  EXPECT_EQ(h.cycles[0].bytes, 100);
  EXPECT_EQ(h.cycles[1].bytes, 0);  // only the opening line (0 of the capacity): nothing changed
  EXPECT_TRUE(h.cycles[1].final_top_up);
  EXPECT_EQ(h.cycles[2].bytes, 40);
  EXPECT_EQ(h.cycles[3].kind, "post_migration");
  // 0 bytes over 100 s, then 40 bytes over 20 s: 40 / 120.
  ASSERT_TRUE(h.change_rate);
  EXPECT_NEAR(*h.change_rate, 40.0 / 120, 1e-9);
  EXPECT_EQ(h.change_rate_samples, 2);
  ASSERT_TRUE(h.finished);
}

}  // namespace
}  // namespace mm::bench
