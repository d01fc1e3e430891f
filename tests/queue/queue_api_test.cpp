// The queue's routes in-process, on an in-memory store: list (names and objects), one entry, the
// user's actions handed to a recording QueueControl, and the events log with its long-poll.
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <stdexcept>
#include <thread>

#include <nlohmann/json.hpp>

#include "orchestrator/api/router.h"
#include "orchestrator/migration/queue_control.h"

namespace mm::api {
namespace {

using nlohmann::json;

// Records what the API asks of the scheduler; refuses any action on an instance named in
// `refuse`, as the scheduler does when an action does not apply.
class RecordingControl : public migration::QueueControl {
 public:
  void cancel(const std::string& uuid) override { record("cancel", uuid); }
  void retry(const std::string& uuid) override { record("retry", uuid); }
  void resolve(const std::string& uuid) override { record("resolve", uuid); }
  void wake() override { calls.push_back("wake"); }

  std::vector<std::string> calls;
  std::string refuse;

 private:
  void record(const std::string& what, const std::string& uuid) {
    if (uuid == refuse)
      throw std::invalid_argument("cannot " + what + ": instance is not in Error state");
    calls.push_back(what + " " + uuid);
  }
};

constexpr const char* kCentos = "5263adbf-dbca-eb36-3019-b09743f40b6d";
constexpr const char* kWin = "52cfcb6b-20ee-add3-adc9-68c63ca9adfd";
constexpr const char* kDebian = "52d89a93-ff8f-9dea-4d74-ec99beb1d2d4";

class QueueApi : public ::testing::Test {
 protected:
  QueueApi() : store_(state::Store::in_memory()) {
    state::SourceRecord s;
    s.name = "esxi01";
    s.endpoint = "https://10.10.0.3";
    const int64_t src = store_->create_source(s).id;
    for (const auto& [uuid, name] : {std::pair{kCentos, "CentOS9UEFI"}, std::pair{kWin, "Win2016"},
                                     std::pair{kDebian, "DebianBookworm"}}) {
      state::InstanceRecord i;
      i.uuid = uuid;
      i.source_id = src;
      i.inventory_path = std::string("/ha-datacenter/vm/") + name;
      i.name = name;
      store_->upsert_instance(i);
    }
    state::BatchRecord b1;
    b1.name = "batch01";
    batch01_ = store_->create_batch(b1).id;
    state::BatchRecord b0;
    b0.name = "batch00";
    batch00_ = store_->create_batch(b0).id;

    put(kCentos, batch01_, "Performing background import tasks",
        "Importing disk (1/1) \"[datastore-01] CentOS9/CentOS9.vmdk\": 3.00% complete",
        "background_import",
        json{{"window",
              {{"name", "window1"},
               {"start", "2025-12-01T01:00:00Z"},
               {"end", "2025-12-01T01:10:00Z"}}},
             {"disks",
              {{{"name", "Hard disk 1"},
                {"backing", "[datastore-01] CentOS9/CentOS9.vmdk"},
                {"size", 1000},
                {"bytes_done", 30},
                {"bytes_total", 1000},
                {"rate", 5.5},
                {"eta_seconds", 176},
                {"phase", "import"},
                {"change_id", "52 de c0 d9 98 ae e2 ee-61 6c 45 1d/12"}}}},
             {"snapshot", "snapshot-12"},
             {"source_was_running", true}});
    put(kWin, batch01_, "Error", "Failed to power off the source", "final_import",
        json{{"error", {{"stage", "final_import"}, {"reason", "power off timed out"}}}});
    put(kDebian, batch00_, "Finished", "Finished", "finished", json::object());
  }

  void put(const std::string& uuid, int64_t batch, const std::string& status,
           const std::string& message, const std::string& stage, const json& data) {
    state::QueueRecord q;
    q.instance_uuid = uuid;
    q.batch_id = batch;
    q.status = status;
    q.status_message = message;
    q.stage = stage;
    q.data = data.dump();
    q.placement = json{{"target", "incus01"}, {"project", "default"}}.dump();
    q.last_update = "2025-12-01T00:50:00Z";
    store_->put_queue_entry(q);
  }

  state::QueueEventRecord event(const std::string& uuid, const std::string& type,
                                const std::string& message) {
    state::QueueEventRecord e;
    e.instance_uuid = uuid;
    e.instance_name = "CentOS9UEFI";
    e.batch = "batch01";
    e.time = "2025-12-01T00:50:03Z";
    e.type = type;
    e.message = message;
    e.data = json{{"disk", "Hard disk 1"}}.dump();
    return store_->append_queue_event(e);
  }

  json call(Router& router, const std::string& method, const std::string& target, int& status) {
    const Response r = router.handle({method, target, "", true});
    status = r.status;
    return json::parse(r.body);
  }
  json get(const std::string& target, int want_status = 200) {
    int status = 0;
    json j = call(router_, "GET", target, status);
    EXPECT_EQ(status, want_status) << target << ": " << j.dump();
    return j;
  }

  std::unique_ptr<state::Store> store_;
  RecordingControl control_;
  Router router_{*store_, {"host", "0.1.0", "PEM", "fp"}, nullptr, &control_};
  int64_t batch01_ = 0, batch00_ = 0;
};

TEST_F(QueueApi, ListsPathsOrObjectsByBatchThenName) {
  EXPECT_EQ(get("/1.0/queue")["metadata"],
            json({std::string("/1.0/queue/") + kDebian, std::string("/1.0/queue/") + kCentos,
                  std::string("/1.0/queue/") + kWin}));
  const json list = get("/1.0/queue?recursion=1")["metadata"];
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(list[0]["instance_name"], "DebianBookworm");
  EXPECT_EQ(list[1]["instance_name"], "CentOS9UEFI");
  EXPECT_EQ(list[2]["instance_name"], "Win2016");
  EXPECT_EQ(get("/1.0/queue?recursion=0")["metadata"].size(), 3u);
  int status = 0;
  call(router_, "POST", "/1.0/queue", status);
  EXPECT_EQ(status, 405);
}

TEST_F(QueueApi, EntryFieldsComeFromTheRowAndItsData) {
  const json q = get(std::string("/1.0/queue/") + kCentos)["metadata"];
  EXPECT_EQ(q["instance_uuid"], kCentos);
  EXPECT_EQ(q["instance_name"], "CentOS9UEFI");
  EXPECT_EQ(q["batch_name"], "batch01");
  EXPECT_EQ(q["migration_status"], "Performing background import tasks");
  EXPECT_EQ(q["migration_status_message"],
            "Importing disk (1/1) \"[datastore-01] CentOS9/CentOS9.vmdk\": 3.00% complete");
  EXPECT_EQ(q["last_update"], "2025-12-01T00:50:00Z");
  EXPECT_EQ(q["stage"], "background_import");
  EXPECT_EQ(q["migration_window"], json({{"name", "window1"},
                                         {"start", "2025-12-01T01:00:00Z"},
                                         {"end", "2025-12-01T01:10:00Z"},
                                         {"lockout", ""}}));
  EXPECT_EQ(q["placement"]["target"], "incus01");
  ASSERT_EQ(q["disks"].size(), 1u);
  const json& d = q["disks"][0];
  EXPECT_EQ(d["backing"], "[datastore-01] CentOS9/CentOS9.vmdk");
  EXPECT_EQ(d["bytes_done"], 30);
  EXPECT_EQ(d["rate"], 5.5);
  EXPECT_EQ(d["eta_seconds"], 176);
  EXPECT_EQ(d["phase"], "import");
  // The scheduler's own bookkeeping stays inside the daemon.
  EXPECT_FALSE(d.contains("change_id"));
  EXPECT_FALSE(q.contains("snapshot"));
  EXPECT_TRUE(q["error"].is_null());

  const json w = get(std::string("/1.0/queue/") + kWin)["metadata"];
  EXPECT_TRUE(w["migration_window"].is_null());
  EXPECT_EQ(w["error"], json({{"stage", "final_import"}, {"reason", "power off timed out"}}));
  EXPECT_EQ(w["disks"], json::array());
}

TEST_F(QueueApi, DamagedDataStillLists) {
  state::QueueRecord q = *store_->get_queue_entry(kDebian);
  q.data = "not json";
  q.placement = "[1,2]";
  store_->put_queue_entry(q);
  const json j = get(std::string("/1.0/queue/") + kDebian)["metadata"];
  EXPECT_TRUE(j["migration_window"].is_null());
  EXPECT_EQ(j["disks"], json::array());
  EXPECT_EQ(j["placement"], json::object());
}

TEST_F(QueueApi, UnknownEntryIs404) {
  const json j = get("/1.0/queue/nope", 404);
  EXPECT_EQ(j["type"], "error");
  EXPECT_NE(j["error"].get<std::string>().find("nope"), std::string::npos);
  get("/1.0/queue/nope/events", 404);
  get(std::string("/1.0/queue/") + kCentos + "/other", 404);
  int status = 0;
  call(router_, "POST", "/1.0/queue/nope/:cancel", status);
  EXPECT_EQ(status, 404);
  EXPECT_TRUE(control_.calls.empty());
}

TEST_F(QueueApi, ActionsGoToTheScheduler) {
  int status = 0;
  const std::string base = std::string("/1.0/queue/") + kWin;
  EXPECT_EQ(call(router_, "POST", base + "/:retry", status)["metadata"], json::object());
  EXPECT_EQ(status, 200);
  call(router_, "POST", base + "/:cancel", status);
  EXPECT_EQ(status, 200);
  call(router_, "POST", base + "/resolve", status);  // without the colon, as :sync allows
  EXPECT_EQ(status, 200);
  EXPECT_EQ(control_.calls,
            (std::vector<std::string>{std::string("retry ") + kWin, std::string("cancel ") + kWin,
                                      std::string("resolve ") + kWin}));
  call(router_, "GET", base + "/:retry", status);
  EXPECT_EQ(status, 405);
  EXPECT_EQ(control_.calls.size(), 3u);
}

TEST_F(QueueApi, RefusedActionIs400WithTheSchedulersReason) {
  control_.refuse = kCentos;
  int status = 0;
  const json j = call(router_, "POST", std::string("/1.0/queue/") + kCentos + "/:retry", status);
  EXPECT_EQ(status, 400);
  EXPECT_EQ(j["error"], "cannot retry: instance is not in Error state");
}

TEST_F(QueueApi, NoSchedulerIs503) {
  Router bare(*store_, {"host", "0.1.0", "PEM", "fp"});
  for (const char* verb : {":cancel", ":retry", ":resolve"}) {
    int status = 0;
    const json j = call(bare, "POST", std::string("/1.0/queue/") + kWin + "/" + verb, status);
    EXPECT_EQ(status, 503);
    EXPECT_NE(j["error"].get<std::string>().find("no scheduler"), std::string::npos);
  }
  // Reading needs no scheduler.
  int status = 0;
  call(bare, "GET", "/1.0/queue?recursion=1", status);
  EXPECT_EQ(status, 200);
}

TEST_F(QueueApi, EventsAfterAnId) {
  const auto e1 = event(kCentos, "created", "Target instance created");
  event(kCentos, "background_import.started", "Background import started");
  event(kWin, "created", "another instance");
  const auto e3 =
      event(kCentos, "background_import.progress",
            "Importing disk (1/1) \"[datastore-01] CentOS9/CentOS9.vmdk\": 3.00% complete");
  const std::string base = std::string("/1.0/queue/") + kCentos + "/events";
  json all = get(base)["metadata"];
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0], json({{"id", e1.id},
                          {"instance_uuid", kCentos},
                          {"instance_name", "CentOS9UEFI"},
                          {"batch", "batch01"},
                          {"time", "2025-12-01T00:50:03Z"},
                          {"type", "created"},
                          {"message", "Target instance created"},
                          {"data", {{"disk", "Hard disk 1"}}}}));
  const json after = get(base + "?after=" + std::to_string(e1.id))["metadata"];
  ASSERT_EQ(after.size(), 2u);
  EXPECT_EQ(after[0]["type"], "background_import.started");
  EXPECT_EQ(after[1]["id"], e3.id);
  EXPECT_EQ(get(base + "?after=" + std::to_string(e3.id) + "&wait=0s")["metadata"], json::array());

  for (const char* bad :
       {"?after=x", "?after=-1", "?after=1x", "?wait=soon", "?wait=-1s", "?wait=5"}) {
    const json j = get(base + bad, 400);
    EXPECT_EQ(j["type"], "error") << bad;
  }
  int status = 0;
  call(router_, "POST", base, status);
  EXPECT_EQ(status, 405);
}

TEST_F(QueueApi, EventsOutliveTheQueueRow) {
  event(kDebian, "finished", "Finished");
  store_->delete_queue_entry(kDebian);
  // Not queued any more: the log is still readable, and nothing is waited for.
  const json j = get(std::string("/1.0/queue/") + kDebian + "/events?after=0&wait=60s");
  EXPECT_EQ(j["metadata"].size(), 1u);
  EXPECT_TRUE(
      get(std::string("/1.0/queue/") + kDebian + "/events?after=999&wait=60s")["metadata"].empty());
}

TEST_F(QueueApi, LongPollReturnsWhenAnEventArrives) {
  const auto first = event(kCentos, "created", "Target instance created");
  const std::string target = std::string("/1.0/queue/") + kCentos +
                             "/events?after=" + std::to_string(first.id) + "&wait=60s";
  auto waiting = std::async(std::launch::async, [&] {
    return json::parse(router_.handle({"GET", target, "", true}).body);
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  event(kCentos, "background_import.started", "Background import started");
  const json j = waiting.get();
  ASSERT_EQ(j["metadata"].size(), 1u);
  EXPECT_EQ(j["metadata"][0]["type"], "background_import.started");
}

TEST_F(QueueApi, LongPollTimesOutEmpty) {
  const json j = get(std::string("/1.0/queue/") + kCentos + "/events?wait=300ms");
  EXPECT_EQ(j["metadata"], json::array());
}

TEST_F(QueueApi, OnlyOneRequestWaitsAtATime) {
  const std::string base = std::string("/1.0/queue/") + kCentos + "/events?wait=";
  auto first = std::async(std::launch::async, [&] {
    return json::parse(router_.handle({"GET", base + "60s", "", true}).body);
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  // The waiter's place is taken: this one answers at once, empty, rather than hold a thread.
  const auto asked = std::chrono::steady_clock::now();
  EXPECT_EQ(get(base + "60s")["metadata"], json::array());
  EXPECT_LT(std::chrono::steady_clock::now() - asked, std::chrono::seconds(30));
  event(kCentos, "created", "Target instance created");
  EXPECT_EQ(first.get()["metadata"].size(), 1u);
}

}  // namespace
}  // namespace mm::api
