// The batch routes in-process (Router on an in-memory store holding the 001 document's inventory):
// create, list, get, update, delete, the matched instances and queue of a batch, start / stop /
// reset with the statuses they apply to, the wake-ups the scheduler gets, and 400s naming fields.
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "orchestrator/api/router.h"
#include "orchestrator/batch/batch_json.h"
#include "orchestrator/batch/batch_yaml.h"
#include "tests/batch/doc_inventory.h"

namespace mm::api {
namespace {

using nlohmann::json;

// Counts the scheduler nudges; the queue decisions are not the batch routes' business.
class CountingControl : public migration::QueueControl {
 public:
  void cancel(const std::string&) override {}
  void retry(const std::string&) override {}
  void resolve(const std::string&) override {}
  void wake() override { ++wakes; }
  int wakes = 0;
};

std::string doc_body(const std::string& file) {
  std::ifstream in(std::string(MM_SOURCE_DIR) + "/tests/batch/testdata/" + file);
  std::stringstream ss;
  ss << in.rdbuf();
  return batch::batch_to_json(batch::parse_batch_yaml(ss.str())).dump();
}

class BatchApi : public ::testing::Test {
 protected:
  BatchApi()
      : store_(state::Store::in_memory()),
        router_(*store_, {"h", "0", "P", "f"}, nullptr, &control_) {
    test::load_doc_inventory_001(*store_);
  }

  Response call(const std::string& method, const std::string& target,
                const std::string& body = "") {
    Response r = router_.handle({method, target, body, true});
    last_ = json::parse(r.body);
    return r;
  }

  std::string error() const { return last_.value("error", ""); }

  std::vector<std::string> matched(const std::string& batch) {
    EXPECT_EQ(call("GET", "/1.0/batches/" + batch + "/instances?recursion=1").status, 200);
    std::vector<std::string> out;
    for (const auto& i : last_["metadata"]) out.push_back(i["properties"]["location"]);
    return out;
  }

  CountingControl control_;
  std::unique_ptr<state::Store> store_;
  Router router_;
  json last_;
};

TEST_F(BatchApi, CreateListGet) {
  Response r = call("POST", "/1.0/batches", doc_body("001_batch01.yaml"));
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.headers.at(0),
            (std::pair<std::string, std::string>{"Location", "/1.0/batches/batch01"}));
  EXPECT_EQ(last_["metadata"]["status"], "Defined");
  EXPECT_EQ(last_["metadata"]["start_date"], "0001-01-01T00:00:00Z");
  EXPECT_EQ(control_.wakes, 1);
  ASSERT_EQ(call("POST", "/1.0/batches", doc_body("001_batch02.yaml")).status, 201);

  call("GET", "/1.0/batches");
  EXPECT_EQ(last_["metadata"], json::array({"/1.0/batches/batch01", "/1.0/batches/batch02"}));
  call("GET", "/1.0/batches?recursion=1");
  ASSERT_EQ(last_["metadata"].size(), 2u);
  EXPECT_EQ(last_["metadata"][1]["include_expression"], "background_import");
  EXPECT_EQ(last_["metadata"][1]["constraints"][0]["max_concurrent_instances"], 1);

  ASSERT_EQ(call("GET", "/1.0/batches/batch01").status, 200);
  json expected = json::parse(doc_body("001_batch01.yaml"));
  expected["status"] = "Defined";
  expected["status_message"] = "Defined";
  expected["start_date"] = "0001-01-01T00:00:00Z";
  EXPECT_EQ(last_["metadata"], expected);

  EXPECT_EQ(call("GET", "/1.0/batches/nope").status, 404);
  EXPECT_EQ(error(), "batch \"nope\" not found");
  EXPECT_EQ(call("POST", "/1.0/batches", doc_body("001_batch01.yaml")).status, 409);
  EXPECT_EQ(error(), "batch \"batch01\" already exists");
  EXPECT_EQ(call("PATCH", "/1.0/batches").status, 405);
  EXPECT_EQ(call("POST", "/1.0/batches/batch01").status, 405);
  EXPECT_EQ(call("GET", "/1.0/batches/batch01/:start").status, 405);
  EXPECT_EQ(call("POST", "/1.0/batches/batch01/:explode").status, 404);
}

TEST_F(BatchApi, BodiesAreCheckedWithFieldNames) {
  json b = json::parse(doc_body("000_batch01.yaml"));
  b["migration_windows"][0]["end"] = "2025-12-01T00:00:00Z";
  EXPECT_EQ(call("POST", "/1.0/batches", b.dump()).status, 400);
  EXPECT_EQ(error(), "migration_windows[0].end: must be after start");
  b = json::parse(doc_body("000_batch01.yaml"));
  b["defaults"]["placement"]["target"] = "incus09";
  EXPECT_EQ(call("POST", "/1.0/batches", b.dump()).status, 400);
  EXPECT_EQ(error(), "defaults.placement.target: target \"incus09\" does not exist");
  b = json::parse(doc_body("000_batch01.yaml"));
  b["config"]["placement_scriptlet"] = "def nope(:";
  EXPECT_EQ(call("POST", "/1.0/batches", b.dump()).status, 400);
  EXPECT_EQ(error().rfind("config.placement_scriptlet: invalid scriptlet: ", 0), 0u) << error();
  EXPECT_EQ(call("POST", "/1.0/batches", R"({"name":"x","include_expression":"cpus >"})").status,
            400);
  EXPECT_EQ(error().rfind("include_expression: invalid expression: ", 0), 0u) << error();
  EXPECT_EQ(
      call("POST", "/1.0/batches", R"({"name":"x","include_expression":"true","x":1})").status,
      400);
  EXPECT_EQ(error(), "x: unknown field \"x\"");
  EXPECT_EQ(call("POST", "/1.0/batches", "not json").status, 400);
  EXPECT_EQ(control_.wakes, 0);
  EXPECT_TRUE(store_->list_batches().empty());
}

TEST_F(BatchApi, MatchedInstancesAreTheDocumentsOnes) {
  ASSERT_EQ(call("POST", "/1.0/batches", doc_body("001_batch01.yaml")).status, 201);
  ASSERT_EQ(call("POST", "/1.0/batches", doc_body("001_batch02.yaml")).status, 201);
  // `instance list` order (by inventory path); the documents list the same instances.
  EXPECT_EQ(matched("batch01"),
            (std::vector<std::string>{"/vc01/vm/Incus migrations/Cent OS 9 UEFI",
                                      "/vc01/vm/Incus migrations/Debian Bookworm",
                                      "/vc01/vm/Incus migrations/Ubuntu 2404"}));
  EXPECT_EQ(matched("batch02"),
            (std::vector<std::string>{"/ha-datacenter/vm/SuseUEFI", "/ha-datacenter/vm/Win2016",
                                      "/vc01/vm/Incus migrations/Cent OS 9 UEFI",
                                      "/vc01/vm/Incus migrations/Ubuntu 2404",
                                      "/vc01/vm/other/CentOS9"}));
  call("GET", "/1.0/batches/batch01/instances");
  EXPECT_EQ(last_["metadata"][0], "/1.0/instances/5263adbf-dbca-eb36-3019-b09743f40b6d");
  // The expression sees the user's overrides (the effective view)...
  ASSERT_EQ(call("POST", "/1.0/batches",
                 R"({"name":"noble","include_expression":"os_version == 'Ubuntu 24.04 (Noble)'"})")
                .status,
            201);
  EXPECT_TRUE(matched("noble").empty());
  store_->set_instance_override("52d5cfe0-d341-82d9-3f23-4149687b4e3e",
                                R"x({"properties":{"os_version":"Ubuntu 24.04 (Noble)"}})x");
  EXPECT_EQ(matched("noble"), (std::vector<std::string>{"/vc01/vm/Incus migrations/Ubuntu 2404"}));
  // ... and skips instances gone from their source.
  store_->mark_missing_instances(store_->get_source("vcenter01")->id,
                                 {"5263adbf-dbca-eb36-3019-b09743f40b6d"});
  EXPECT_EQ(matched("batch01"),
            (std::vector<std::string>{"/vc01/vm/Incus migrations/Cent OS 9 UEFI"}));
}

TEST_F(BatchApi, StartStopResetAndWhatEachRefuses) {
  ASSERT_EQ(call("POST", "/1.0/batches", doc_body("001_batch01.yaml")).status, 201);
  ASSERT_EQ(call("POST", "/1.0/batches", doc_body("001_batch02.yaml")).status, 201);
  const int base = control_.wakes;
  EXPECT_EQ(call("POST", "/1.0/batches/batch01/:stop").status, 409);
  EXPECT_EQ(error(),
            "batch \"batch01\" cannot be stopped: it is Defined (must be Queued or Running)");
  EXPECT_EQ(call("POST", "/1.0/batches/batch01/:reset").status, 409);

  ASSERT_EQ(call("POST", "/1.0/batches/batch01/:start").status, 200) << error();
  EXPECT_EQ(last_["metadata"]["status"], "Queued");
  EXPECT_NE(last_["metadata"]["start_date"], "0001-01-01T00:00:00Z");
  ASSERT_EQ(call("POST", "/1.0/batches/batch02/start").status, 200);  // the older spelling
  EXPECT_EQ(store_->get_batch("batch01")->started_seq, 1);
  EXPECT_EQ(store_->get_batch("batch02")->started_seq, 2);
  EXPECT_EQ(control_.wakes, base + 2);
  EXPECT_EQ(call("POST", "/1.0/batches/batch01/:start").status, 409);
  EXPECT_EQ(error(),
            "batch \"batch01\" cannot be started: it is Queued (must be Defined or Stopped)");

  // Started: the include expression is fixed, the rest can change (the document's second edit).
  json b = json::parse(doc_body("001_batch01.yaml"));
  b["include_expression"] = "true";
  EXPECT_EQ(call("PUT", "/1.0/batches/batch01", b.dump()).status, 400);
  EXPECT_EQ(error(),
            "include_expression: cannot be changed once the batch has started (status "
            "Queued); reset the batch first");
  b = json::parse(doc_body("001_batch01.yaml"));
  b["config"]["instance_restriction_overrides"]["allow_no_ipv4"] = true;
  b["constraints"] = json::array();
  ASSERT_EQ(call("PUT", "/1.0/batches/batch01", b.dump()).status, 200) << error();
  EXPECT_EQ(last_["metadata"]["config"]["instance_restriction_overrides"]["allow_no_ipv4"], true);
  EXPECT_EQ(last_["metadata"]["status"], "Queued");

  EXPECT_EQ(call("DELETE", "/1.0/batches/batch01").status, 409);
  EXPECT_EQ(error(), "batch \"batch01\" is Queued: stop it first");
  store_->set_batch_status(store_->get_batch("batch01")->id, "Running", "Running");
  EXPECT_EQ(call("DELETE", "/1.0/batches/batch01").status, 409);
  EXPECT_EQ(error(), "batch \"batch01\" is Running: stop it first");

  // The scheduler's queue rows, as it would have written them.
  const int64_t id = store_->get_batch("batch01")->id;
  state::QueueRecord q;
  q.instance_uuid = "52d5cfe0-d341-82d9-3f23-4149687b4e3e";
  q.batch_id = id;
  q.status = "Blocked";
  q.status_message = "Could not determine instance IP, check if guest agent is running";
  q.stage = "blocked";
  q.last_update = "2025-12-01T00:00:00Z";
  store_->put_queue_entry(q);
  store_->append_queue_event(
      {0, q.instance_uuid, "Ubuntu 2404", "batch01", q.last_update, "created", "", "{}"});
  call("GET", "/1.0/batches/batch01/queue?recursion=1");
  ASSERT_EQ(last_["metadata"].size(), 1u);
  EXPECT_EQ(last_["metadata"][0]["migration_status"], "Blocked");
  EXPECT_EQ(last_["metadata"][0]["batch_name"], "batch01");

  ASSERT_EQ(call("POST", "/1.0/batches/batch01/:stop").status, 200);
  EXPECT_EQ(last_["metadata"]["status"], "Stopped");
  ASSERT_EQ(call("POST", "/1.0/batches/batch01/:reset").status, 200);
  EXPECT_EQ(last_["metadata"]["status"], "Defined");
  EXPECT_EQ(last_["metadata"]["start_date"], "0001-01-01T00:00:00Z");
  EXPECT_TRUE(store_->list_queue_for_batch(id).empty());
  EXPECT_TRUE(store_->list_queue_events(q.instance_uuid).empty());
  // Defined again: the expression may change.
  b["include_expression"] = "true";
  EXPECT_EQ(call("PUT", "/1.0/batches/batch01", b.dump()).status, 200) << error();

  ASSERT_EQ(call("DELETE", "/1.0/batches/batch01").status, 200);
  EXPECT_EQ(call("GET", "/1.0/batches/batch01").status, 404);
  EXPECT_EQ(control_.wakes, base + 2 + 1 + 2 + 1 + 1);
}

TEST_F(BatchApi, RenameThroughPut) {
  ASSERT_EQ(call("POST", "/1.0/batches", doc_body("000_batch01.yaml")).status, 201);
  json b = json::parse(doc_body("000_batch01.yaml"));
  b["name"] = "renamed";
  ASSERT_EQ(call("PUT", "/1.0/batches/batch01", b.dump()).status, 200);
  EXPECT_EQ(call("GET", "/1.0/batches/renamed").status, 200);
  EXPECT_EQ(call("GET", "/1.0/batches/batch01").status, 404);
}

}  // namespace
}  // namespace mm::api
