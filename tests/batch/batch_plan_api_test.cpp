// GET /1.0/batches/NAME/plan in-process (Router on an in-memory store holding the 001 document's
// inventory): mm-bench's planner over the router's own answers, the throughput from the query,
// the --throughput-file measurements or the planner's assumption (said in assumptions[]), 404 for
// an unknown batch, 400 for a bad throughput, 405 for other methods.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include <unistd.h>

#include <nlohmann/json.hpp>

#include "orchestrator/api/router.h"
#include "orchestrator/batch/window_time.h"
#include "tests/batch/doc_inventory.h"

namespace mm::api {
namespace {

using nlohmann::json;

class BatchPlanApi : public ::testing::Test {
 protected:
  BatchPlanApi() : store_(state::Store::in_memory()), router_(*store_, {"h", "0", "P", "f"}) {
    test::load_doc_inventory_001(*store_);
    // One instance (16 GiB, change tracking on), a window opening in an hour for two hours.
    const auto now = std::chrono::system_clock::now();
    const json body = {
        {"name", "plan01"},
        {"include_expression", "location == '/vc01/vm/Incus migrations/Ubuntu 2404'"},
        {"migration_windows",
         {{{"name", "w1"},
           {"start", batch::format_rfc3339(now + std::chrono::hours(1))},
           {"end", batch::format_rfc3339(now + std::chrono::hours(3))}}}},
        {"defaults", {{"placement", {{"target", "incus01"}}}}},
        {"config",
         {{"instance_restriction_overrides",
           {{"allow_unknown_os", true}, {"allow_no_ipv4", true}}}}}};
    const Response r = call("POST", "/1.0/batches", body.dump());
    EXPECT_EQ(r.status, 201) << r.body;
  }

  Response call(const std::string& method, const std::string& target,
                const std::string& body = "") {
    Response r = router_.handle({method, target, body, true});
    last_ = json::parse(r.body);
    return r;
  }

  std::string throughput_assumption() const {
    for (const auto& a : last_["metadata"]["assumptions"]) {
      const std::string s = a.get<std::string>();
      if (s.starts_with("throughput: ")) return s;
    }
    return "";
  }

  std::unique_ptr<state::Store> store_;
  Router router_;
  json last_;
};

TEST_F(BatchPlanApi, PlansTheBatchWithTheGivenThroughput) {
  const Response r = call("GET", "/1.0/batches/plan01/plan?throughput=200M");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(last_["type"], "sync");
  const json& p = last_["metadata"];
  EXPECT_EQ(p["batch"], "plan01");
  EXPECT_EQ(p["stream_bytes_per_second"], 200.0 * (1 << 20));
  EXPECT_EQ(throughput_assumption(), "throughput: given (?throughput=): 200.0 MiB/s per copy");
  ASSERT_EQ(p["instances"].size(), 1u);
  const json& i = p["instances"][0];
  EXPECT_EQ(i["name"], "Ubuntu 2404");
  EXPECT_EQ(i["window"], "w1");
  EXPECT_EQ(i["verdict"], "fits") << i.dump();
  EXPECT_EQ(p["all_fit"], true);
  // 16 GiB at 200 MiB/s: 81.92 s of copy plus the fixed costs; then the window's cutover.
  std::set<std::string> kinds;
  double background = 0;
  for (const auto& s : i["stages"]) {
    kinds.insert(s["kind"].get<std::string>());
    if (s["kind"] == "background_import") background = s["seconds"].get<double>();
  }
  EXPECT_GT(background, 81.9);
  EXPECT_LT(background, 100);
  EXPECT_TRUE(kinds.count("final_top_up")) << i.dump();
  EXPECT_TRUE(kinds.count("final_import")) << i.dump();
  EXPECT_TRUE(kinds.count("post_migration")) << i.dump();
  // Bytes per second as a plain number work as well.
  ASSERT_EQ(call("GET", "/1.0/batches/plan01/plan?throughput=104857600").status, 200);
  EXPECT_EQ(throughput_assumption(), "throughput: given (?throughput=): 100.0 MiB/s per copy");
}

TEST_F(BatchPlanApi, WithoutTheQueryTheMeasurementsFileElseTheAssumption) {
  ASSERT_EQ(call("GET", "/1.0/batches/plan01/plan").status, 200) << last_.dump();
  EXPECT_TRUE(throughput_assumption().starts_with("throughput: ASSUMED 100 MiB/s per copy"))
      << throughput_assumption();
  EXPECT_EQ(last_["metadata"]["stream_bytes_per_second"], 100.0 * (1 << 20));

  const std::string file = (std::filesystem::temp_directory_path() /
                            ("batch_plan_api_test_" + std::to_string(::getpid()) + ".json"))
                               .string();
  std::ofstream(file) << R"({"throughput_bytes_per_second": 52428800,
                             "overheads": {"create_seconds": 7}})";
  router_.set_throughput_file(file);
  ASSERT_EQ(call("GET", "/1.0/batches/plan01/plan").status, 200) << last_.dump();
  EXPECT_EQ(throughput_assumption(),
            "throughput: measured: 50.0 MiB/s per copy (" + file + ", best median)");
  EXPECT_EQ(last_["metadata"]["stream_bytes_per_second"], 52428800.0);
  // The query still wins over the file.
  ASSERT_EQ(call("GET", "/1.0/batches/plan01/plan?throughput=1G").status, 200);
  EXPECT_EQ(throughput_assumption(), "throughput: given (?throughput=): 1.0 GiB/s per copy");
  // An unusable file: the assumption, saying why.
  std::ofstream(file) << "{}";
  ASSERT_EQ(call("GET", "/1.0/batches/plan01/plan").status, 200) << last_.dump();
  EXPECT_TRUE(throughput_assumption().starts_with("throughput: ASSUMED 100 MiB/s per copy"));
  EXPECT_NE(throughput_assumption().find("is unusable"), std::string::npos);
  std::filesystem::remove(file);
}

TEST_F(BatchPlanApi, Errors) {
  EXPECT_EQ(call("GET", "/1.0/batches/nope/plan").status, 404);
  EXPECT_EQ(last_["error"], "batch \"nope\" not found");
  EXPECT_EQ(call("GET", "/1.0/batches/plan01/plan?throughput=fast").status, 400);
  EXPECT_EQ(call("GET", "/1.0/batches/plan01/plan?throughput=0").status, 400);
  EXPECT_EQ(call("POST", "/1.0/batches/plan01/plan").status, 405);
  EXPECT_EQ(call("GET", "/1.0/batches/plan01/plan/x").status, 404);
}

}  // namespace
}  // namespace mm::api
