// `migration-manager queue ...` against a real migration-managerd whose state holds queue rows
// written the way the scheduler writes them: the list matches the documents' tables cell by cell,
// show / events print the entry and its log, and `events --follow` prints events as they are
// appended and exits when the instance is Finished.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <regex>
#include <thread>

#include <nlohmann/json.hpp>

#include "orchestrator/state/store.h"
#include "tests/cli/doc_table.h"
#include "tests/daemon/daemon_fixture.h"

namespace mm::test {
namespace {

using nlohmann::json;

constexpr const char* kCentos = "5263adbf-dbca-eb36-3019-b09743f40b6d";
constexpr const char* kWin = "52cfcb6b-20ee-add3-adc9-68c63ca9adfd";
constexpr const char* kDebian = "52d89a93-ff8f-9dea-4d74-ec99beb1d2d4";
constexpr const char* kImportMessage =
    "Importing disk (1/1) \"[datastore-01] CentOS9/CentOS9.vmdk\": 3.00% complete";

std::string testdata(const std::string& name) {
  return read_text(std::string(MM_SOURCE_DIR) + "/tests/queue/testdata/" + name);
}

std::string rfc3339(std::chrono::system_clock::time_point t) {
  const time_t s = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&s, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

class QueueCli : public ::testing::Test {
 protected:
  void SetUp() override {
    state_ = tmp_.file("state");
    {
      // Written before the daemon starts, as a scheduler of an earlier run would have left it.
      auto store = state::Store::open_dir(state_);
      state::SourceRecord s;
      s.name = "esxi01";
      s.endpoint = "https://127.0.0.1:9";
      const int64_t src = store->create_source(s).id;
      for (const auto& [uuid, name] :
           {std::pair{kCentos, "CentOS9UEFI"}, std::pair{kWin, "Win2016"},
            std::pair{kDebian, "DebianBookworm"}}) {
        state::InstanceRecord i;
        i.uuid = uuid;
        i.source_id = src;
        i.inventory_path = std::string("/ha-datacenter/vm/") + name;
        i.name = name;
        store->upsert_instance(i);
      }
      state::BatchRecord b;
      b.name = "batch01";
      b.status = "Stopped";  // nothing for a scheduler to act on while the test writes the rows
      batch_ = store->create_batch(b).id;
      const json window = {
          {"name", "window1"}, {"start", "2025-12-01T01:00:00Z"}, {"end", "2025-12-01T01:10:00Z"}};
      put(*store, kCentos, "Performing background import tasks", kImportMessage,
          "background_import",
          json{{"window", window},
               {"disks",
                {{{"name", "Hard disk 1"},
                  {"backing", "[datastore-01] CentOS9/CentOS9.vmdk"},
                  {"size", 10737418240},
                  {"bytes_done", 322122547},
                  {"bytes_total", 10737418240},
                  {"rate", 104857600},
                  {"eta_seconds", 99},
                  {"phase", "import"}}}}});
      put(*store, kWin, "Idle", "Waiting for migration window", "idle", json{{"window", window}});
      put(*store, kDebian, "Finished", "Finished", "finished", json::object());
    }
    daemon_ = std::make_unique<Daemon>(tmp_, state_);
  }

  void put(state::Store& store, const std::string& uuid, const std::string& status,
           const std::string& message, const std::string& stage, const json& data) {
    state::QueueRecord q;
    q.instance_uuid = uuid;
    q.batch_id = batch_;
    q.status = status;
    q.status_message = message;
    q.stage = stage;
    q.data = data.dump();
    q.last_update = rfc3339(std::chrono::system_clock::now() - std::chrono::seconds(4));
    store.put_queue_entry(q);
  }

  std::string cli(const std::string& args) const {
    return "MIGRATION_MANAGER_SOCKET='" + daemon_->socket() + "' MIGRATION_MANAGER_CONF='" +
           tmp_.file("conf") + "' " + MM_BINARY_DIR + "/bin/migration-manager " + args;
  }

  CommandResult run(const std::string& args) const {
    return run_command(cli(args) + " </dev/null");
  }

  TempDir tmp_;
  std::string state_;
  int64_t batch_ = 0;
  std::unique_ptr<Daemon> daemon_;
};

TEST_F(QueueCli, ListMatchesTheDocumentsTables) {
  const CommandResult r = run("queue list");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  DocTable got = parse_table(r.out);  // throws unless every border lines up
  const DocTable import = parse_table(testdata("queue_list_import.txt"));
  const DocTable idle = parse_table(testdata("queue_list_idle.txt"));
  DocTable finished = parse_table(testdata("queue_list_finished.txt"));
  EXPECT_EQ(got.header, import.header);
  EXPECT_EQ(got.header, finished.header);
  ASSERT_EQ(got.rows.size(), 3u) << r.out;

  // The age is measured when the command runs; the rows were written "4s ago" at set-up.
  const size_t age = got.column("Last Update");
  const std::regex age_re("[0-9]+s ago");
  for (auto& row : got.rows) {
    EXPECT_TRUE(std::regex_match(row[age], age_re)) << row[age];
    row[age] = "4s ago";
  }
  auto rows = got.rows_by("Name");
  EXPECT_EQ(rows["CentOS9UEFI"], import.rows_by("Name").at("CentOS9UEFI"));
  EXPECT_EQ(rows["Win2016"], idle.rows_by("Name").at("Win2016"));
  // The document's finished rows are CentOS9UEFI and Win2016; ours is the same row for another VM.
  finished.cell("Name", "CentOS9UEFI", "Name") = "DebianBookworm";
  EXPECT_EQ(rows["DebianBookworm"], finished.rows_by("Name").at("DebianBookworm"));
  // Natural order by name, as the reference sorts.
  EXPECT_EQ(got.rows[0][0], "CentOS9UEFI");
  EXPECT_EQ(got.rows[1][0], "DebianBookworm");
  EXPECT_EQ(got.rows[2][0], "Win2016");

  const CommandResult j = run("queue list -f json");
  ASSERT_EQ(j.exit_code, 0) << j.err;
  EXPECT_EQ(json::parse(j.out).size(), 3u);
}

TEST_F(QueueCli, ShowPrintsTheEntryAndDiskProgress) {
  for (const std::string name : {"CentOS9UEFI", kCentos}) {
    const CommandResult r = run("queue show " + name);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    for (const char* want :
         {"name: CentOS9UEFI\n", "batch: batch01\n", "status: Performing background import tasks\n",
          "stage: background_import\n",
          "migration_window: 2025-12-01 01:00:00 +0000 UTC - 2025-12-01 01:10:00 +0000 UTC\n",
          "backing: '[datastore-01] CentOS9/CentOS9.vmdk'\n", "phase: import\n",
          "progress: 3.00%\n", "rate: 100.00MiB/s\n", "eta: 1m39s\n"}) {
      EXPECT_NE(r.out.find(want), std::string::npos) << want << "\n" << r.out;
    }
  }
  const CommandResult missing = run("queue show Nope");
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("Instance \"Nope\" is not in the queue"), std::string::npos)
      << missing.err;
}

TEST_F(QueueCli, ActionsReportTheDaemonsAnswer) {
  // Without a scheduler wired into the daemon the action is refused with 503 "no scheduler".
  // With one wired, a retry of an Idle instance is refused by the scheduler: either way the
  // daemon's reason is printed, never a success line for an action that did not happen.
  const CommandResult r = run("queue retry Win2016");
  if (r.exit_code == 0) {
    EXPECT_EQ(r.out, "Successfully restarted queue entry \"Win2016\".\n");
  } else {
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.err.rfind("Error: ", 0), 0u) << r.err;
  }
  const CommandResult missing = run("queue cancel Nope");
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("not in the queue"), std::string::npos) << missing.err;
}

TEST_F(QueueCli, EventsPrintsTheLog) {
  {
    auto store = state::Store::open_dir(state_);
    state::QueueEventRecord e;
    e.instance_uuid = kCentos;
    e.instance_name = "CentOS9UEFI";
    e.batch = "batch01";
    e.time = "2025-12-01T00:50:00Z";
    e.type = "created";
    e.message = "Target instance created";
    store->append_queue_event(e);
    e.time = "2025-12-01T00:50:03Z";
    e.type = "background_import.progress";
    e.message = kImportMessage;
    store->append_queue_event(e);
  }
  const CommandResult r = run("queue events CentOS9UEFI");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, std::string("2025-12-01T00:50:00Z  created  Target instance created\n"
                               "2025-12-01T00:50:03Z  background_import.progress  ") +
                       kImportMessage + "\n");
}

TEST_F(QueueCli, FollowPrintsNewEventsAndExitsAtFinished) {
  const std::string out = tmp_.file("follow.out");
  BackgroundProcess follow(cli("queue events CentOS9UEFI --follow </dev/null"), out);
  auto store = state::Store::open_dir(state_);
  auto append = [&](const std::string& type, const std::string& message) {
    state::QueueEventRecord e;
    e.instance_uuid = kCentos;
    e.instance_name = "CentOS9UEFI";
    e.batch = "batch01";
    e.time = rfc3339(std::chrono::system_clock::now());
    e.type = type;
    e.message = message;
    store->append_queue_event(e);
  };
  auto wait_for_output = [&](const std::string& text) {
    for (int i = 0; i < 200; ++i) {
      if (read_text(out).find(text) != std::string::npos) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  };

  append("background_import.progress", kImportMessage);
  // Printed while the command is still running: it follows, it does not just list.
  ASSERT_TRUE(wait_for_output("background_import.progress")) << read_text(out);
  EXPECT_TRUE(follow.running());
  append("background_import.completed", "Background import completed");
  ASSERT_TRUE(wait_for_output("background_import.completed")) << read_text(out);
  EXPECT_TRUE(follow.running());

  state::QueueRecord q = *store->get_queue_entry(kCentos);
  q.status = "Finished";
  q.status_message = "Finished";
  q.stage = "finished";
  store->put_queue_entry(q);
  append("finished", "Migration finished");

  bool exited = false;
  for (int i = 0; i < 300 && !exited; ++i) {
    exited = !follow.running();
    if (!exited) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(exited) << read_text(out);
  EXPECT_EQ(follow.wait(), 0) << read_text(out);
  const std::string text = read_text(out);
  const std::regex line_re(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ  [a-z_.]+  .+)");
  std::stringstream ss(text);
  std::string line;
  std::vector<std::string> types;
  while (std::getline(ss, line)) {
    EXPECT_TRUE(std::regex_match(line, line_re)) << line;
    types.push_back(line.substr(22, line.find("  ", 22) - 22));
  }
  EXPECT_EQ(types, (std::vector<std::string>{"background_import.progress",
                                             "background_import.completed", "finished"}));
}

}  // namespace
}  // namespace mm::test
