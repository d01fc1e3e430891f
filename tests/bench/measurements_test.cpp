// The measurements file: written, read back, and checked when a user edits it.
#include "bench/mm-bench/measurements.h"

#include <gtest/gtest.h>

#include "bench/mm-bench/plan_throughput.h"
#include "bench/mm-bench/units.h"

namespace mm::bench {
namespace {

Measurements sample() {
  Measurements m;
  m.created = "2025-12-01T00:00:00Z";
  DiskMeasurement d;
  d.source = "nbd+unix:///?socket=/s";
  d.target = "null:";
  d.size = 1 << 30;
  d.results.push_back({1, 0, {{2.0, 100, 5}, {1.0, 300, 5}, {1.5, 200, 5}}, 0, 0});
  d.results.push_back({4, 1 << 20, {{1.0, 400, 5}, {0.5, 500, 5}}, 0, 0});
  m.disks.push_back(d);
  m.overheads.cycle_seconds = 1.5;
  summarize(m);
  return m;
}

TEST(Measurements, MediansAndTheHeadline) {
  const Measurements m = sample();
  EXPECT_DOUBLE_EQ(m.disks[0].results[0].median_throughput_bytes_per_second, 200);
  EXPECT_DOUBLE_EQ(m.disks[0].results[1].median_throughput_bytes_per_second, 450);
  EXPECT_DOUBLE_EQ(m.throughput_bytes_per_second, 450);
  EXPECT_EQ(m.best_connections, 4u);
  EXPECT_EQ(*throughput_for(m, 1), 200);
  EXPECT_FALSE(throughput_for(m, 2));
  EXPECT_EQ(*throughput_for(m, 0), 450);
}

TEST(Measurements, RoundTrip) {
  const Measurements m = sample();
  const nlohmann::json j = to_json(m);
  EXPECT_EQ(j["throughput_bytes_per_second"], 450.0);  // what the daemon's preflight reads
  const Measurements back = parse_measurements(j.dump());
  EXPECT_EQ(to_json(back), j);
}

TEST(Measurements, MinimalFileIsTheHeadlineAlone) {
  const Measurements m = parse_measurements(R"({"throughput_bytes_per_second": 1e8})");
  EXPECT_DOUBLE_EQ(m.throughput_bytes_per_second, 1e8);
  EXPECT_TRUE(m.disks.empty());
}

TEST(Measurements, ErrorsNameTheField) {
  auto err = [](const char* text) {
    try {
      parse_measurements(text);
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_EQ(err("{}"), "measurements: throughput_bytes_per_second: is required");
  EXPECT_EQ(err(R"({"throughput_bytes_per_second": 0})"),
            "measurements: throughput_bytes_per_second: must be > 0");
  EXPECT_EQ(err(R"({"throughput_bytes_per_second": "fast"})"),
            "measurements: throughput_bytes_per_second: must be a number");
  EXPECT_EQ(err(R"({"throughput_bytes_per_second": 1, "version": 2})"),
            "measurements: version: must be 1 (this mm-bench reads version 1)");
  EXPECT_EQ(
      err(R"({"throughput_bytes_per_second": 1, "disks": [{"results": [{"connections": -1}]}]})"),
      "measurements: disks[0].results[0].connections: must be >= 0");
  EXPECT_EQ(err("nope"), "measurements: not valid JSON");
}

TEST(Measurements, OverheadsRoundTripWithWhatWasMeasured) {
  Measurements m = sample();
  m.overheads.create_seconds = 0.25;
  m.overheads.disk_seconds = 0.04;
  m.overheads.measured = {"create_seconds", "disk_seconds"};
  m.overheads.measured_at = "2025-12-01T00:00:00Z";
  const nlohmann::json j = to_json(m);
  EXPECT_EQ(j["overheads"]["measured"], nlohmann::json({"create_seconds", "disk_seconds"}));
  EXPECT_EQ(j["overheads"]["measured_at"], "2025-12-01T00:00:00Z");
  const Measurements back = parse_measurements(j.dump());
  EXPECT_EQ(*back.overheads.create_seconds, 0.25);
  EXPECT_EQ(*back.overheads.cycle_seconds, 1.5);  // written by hand
  EXPECT_TRUE(back.overheads.is_measured("disk_seconds"));
  EXPECT_FALSE(back.overheads.is_measured("cycle_seconds"));
  EXPECT_EQ(to_json(back), j);
}

TEST(Measurements, OverheadErrorsNameTheField) {
  auto err = [](const char* text) {
    try {
      parse_measurements(text);
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_EQ(err(R"({"throughput_bytes_per_second": 1, "overheads": {"cycle_seconds": -1}})"),
            "measurements: overheads.cycle_seconds: must be a finite number >= 0");
  EXPECT_EQ(
      err(R"({"throughput_bytes_per_second": 1, "overheads": {"measured": ["boot_seconds"]}})"),
      "measurements: overheads.measured[0]: \"boot_seconds\" is not an overhead (create_seconds, "
      "cycle_seconds, disk_seconds, power_off_seconds, post_migration_seconds)");
  EXPECT_EQ(
      err(R"({"throughput_bytes_per_second": 1, "overheads": {"measured": ["disk_seconds"]}})"),
      "measurements: overheads.measured[0]: \"disk_seconds\" is listed as measured but not given");
  EXPECT_EQ(err(R"({"throughput_bytes_per_second": 1, "overheads": {"measured": "all"}})"),
            "measurements: overheads.measured: must be an array");
}

TEST(Measurements, PlanSaysWhichOverheadsWereMeasured) {
  Measurements m = sample();
  PlanOptions none;
  m.overheads = {};
  use_measured_throughput(none, m, "m.json");
  EXPECT_EQ(none.overheads_origin, "assumed");
  EXPECT_EQ(none.cycle_seconds, 2);

  m.overheads.cycle_seconds = 0.2;
  m.overheads.disk_seconds = 0.05;
  m.overheads.create_seconds = 7;
  m.overheads.measured = {"cycle_seconds", "disk_seconds"};
  m.overheads.measured_at = "2025-12-01T00:00:00Z";
  PlanOptions o;
  use_measured_throughput(o, m, "m.json");
  EXPECT_EQ(o.cycle_seconds, 0.2);
  EXPECT_EQ(o.disk_seconds, 0.05);
  EXPECT_EQ(o.create_seconds, 7);
  EXPECT_EQ(o.power_off_seconds, 2);  // the assumption
  EXPECT_EQ(o.overheads_origin,
            "cycle, disk MEASURED 2025-12-01T00:00:00Z (m.json); create from m.json (not "
            "measured); power-off, post-migration ASSUMED");
}

TEST(Units, SizesAndFormats) {
  EXPECT_EQ(parse_size("256K", "x"), 262144u);
  EXPECT_EQ(parse_size("1MiB", "x"), 1048576u);
  EXPECT_EQ(parse_size_list("1,2,4", "x"), (std::vector<uint64_t>{1, 2, 4}));
  EXPECT_THROW(parse_size("", "x"), std::invalid_argument);
  EXPECT_THROW(parse_size("1X", "x"), std::invalid_argument);
  EXPECT_THROW(parse_size("99999999999999999999", "x"), std::invalid_argument);
  EXPECT_EQ(format_seconds(3.25), "3.2s");
  EXPECT_EQ(format_seconds(192), "3m12s");
  EXPECT_EQ(format_bytes(1536), "1.5 KiB");
}

}  // namespace
}  // namespace mm::bench
