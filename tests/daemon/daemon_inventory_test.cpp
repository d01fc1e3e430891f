// The inventory routes on the real daemon process, over the unix socket and HTTPS: a state dir
// synced (through the same sync code, with an in-process client) before the daemon starts, then
// overrides and acknowledgements made over the API, a restart, and the source's password looked
// for in every file, log and answer.
#include <gtest/gtest.h>

#include <filesystem>

#include "orchestrator/inventory/sync.h"
#include "orchestrator/state/store.h"
#include "tests/daemon/daemon_fixture.h"
#include "tests/inventory/fake_connectors.h"

namespace mm::test {
namespace {

using nlohmann::json;

const char* kPassword = "Daemon-Secret-Pw-4711";
const char* kUbuntu = "52d5cfe0-d341-82d9-3f23-4149687b4e3e";

void seed(const std::string& state_dir) {
  auto store = state::Store::open_dir(state_dir);
  state::SourceRecord s;
  s.name = "esxi01";
  s.endpoint = "https://127.0.0.1:1";
  s.username = "user";
  s.password = kPassword;
  s.trusted_fingerprint = kServedFingerprint;
  store->create_source(s);
  FakeSource client;
  client.password = kPassword;
  client.set_inventory(esxi_inventory());
  ASSERT_EQ(inventory::sync_source(*store, client, "esxi01").status, "OK");
}

TEST(DaemonInventory, RoutesOverBothTransportsAndRestartKeepsOverrides) {
  TempDir tmp;
  const std::string state = tmp.file("state");
  seed(state);
  std::string answers;
  std::string network_uuid;
  std::string warning_uuid;
  {
    Daemon d(tmp, state);
    const ClientCert me = make_client_cert(tmp, "me");
    ASSERT_EQ(d.unix_call("POST", "/1.0/certificates",
                          json{{"name", "me"}, {"certificate", read_text(me.cert)}}.dump())
                  .status,
              201);
    HttpResult r = d.unix_call("GET", "/1.0/instances?recursion=1");
    ASSERT_EQ(r.status, 200) << r.raw;
    EXPECT_EQ(r.body["metadata"].size(), 3u);
    answers += r.raw;
    r = d.https_call(me, "GET", "/1.0/instances?recursion=1");
    ASSERT_EQ(r.status, 200) << r.raw;
    EXPECT_EQ(r.body["metadata"].size(), 3u);
    answers += r.raw;
    EXPECT_EQ(d.https_call({}, "GET", "/1.0/instances").status, 403);
    EXPECT_EQ(d.https_call({}, "GET", "/1.0/warnings").status, 403);

    r = d.https_call(me, "PUT", std::string("/1.0/instances/") + kUbuntu + "/override",
                     R"J({"comment": "no guest agent",
                          "properties": {"os": "Ubuntu", "os_version": "Ubuntu 24.04 (Noble)"}})J");
    ASSERT_EQ(r.status, 200) << r.raw;

    r = d.unix_call("GET", "/1.0/networks?recursion=1");
    ASSERT_EQ(r.body["metadata"].size(), 1u) << r.raw;
    network_uuid = r.body["metadata"][0]["uuid"];
    r = d.unix_call("PUT", "/1.0/networks/" + network_uuid,
                    R"({"network": "incusbr0", "nictype": "managed", "vlan_id": ""})");
    ASSERT_EQ(r.status, 200) << r.raw;
    r = d.unix_call("PUT", "/1.0/networks/" + network_uuid, R"({"nictype": "macvlan"})");
    EXPECT_EQ(r.status, 400);
    EXPECT_NE(r.body.value("error", "").find("nictype"), std::string::npos) << r.raw;

    r = d.https_call(me, "GET", "/1.0/warnings");
    ASSERT_EQ(r.status, 200);
    answers += r.raw;
    ASSERT_FALSE(r.body["metadata"].empty());
    warning_uuid = r.body["metadata"][0]["uuid"];
    EXPECT_EQ(
        d.https_call(me, "PUT", "/1.0/warnings/" + warning_uuid, R"({"status": "acknowledged"})")
            .status,
        200);

    // No client wired into this daemon yet: the sync route says so instead of pretending.
    r = d.unix_call("POST", "/1.0/sources/esxi01/:sync");
    EXPECT_EQ(r.status, 503) << r.raw;
    answers += d.unix_call("GET", "/1.0/sources?recursion=1").raw;
    d.stop_gracefully();
    answers += d.log();
  }
  {
    Daemon d(tmp, state);
    HttpResult r = d.unix_call("GET", std::string("/1.0/instances/") + kUbuntu);
    ASSERT_EQ(r.status, 200) << r.raw;
    EXPECT_EQ(r.body["metadata"]["properties"]["os_version"], "Ubuntu 24.04 (Noble)");
    EXPECT_EQ(r.body["metadata"]["overrides"]["comment"], "no guest agent");
    r = d.unix_call("GET", "/1.0/networks/" + network_uuid);
    EXPECT_EQ(r.body["metadata"]["placement"]["network"], "incusbr0");
    r = d.unix_call("GET", "/1.0/warnings/" + warning_uuid);
    EXPECT_EQ(r.body["metadata"]["status"], "acknowledged");
    answers += r.raw;
    d.kill_hard();
    answers += d.log();
  }
  EXPECT_EQ(answers.find(kPassword), std::string::npos);
  for (const auto& e : std::filesystem::directory_iterator(state)) {
    EXPECT_EQ(read_text(e.path()).find(kPassword), std::string::npos) << e.path();
  }
}

}  // namespace
}  // namespace mm::test
