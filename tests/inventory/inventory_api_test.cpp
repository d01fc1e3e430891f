// The inventory routes and the connectivity answers through the Router, on an in-memory store
// with the sync worker and in-process clients: shapes, overrides applied on read, 400s naming the
// field, 404s and 405s.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "orchestrator/api/router.h"
#include "orchestrator/inventory/sync_service.h"
#include "tests/inventory/fake_connectors.h"

namespace mm::api {
namespace {

using nlohmann::json;

class InventoryApi : public ::testing::Test {
 protected:
  InventoryApi()
      : store_(state::Store::in_memory()),
        source_(std::make_shared<test::FakeSource>()),
        target_(std::make_shared<test::FakeTarget>()),
        sync_(*store_, source_, target_, options()),
        router_(*store_, {"host", "0.1.0", "PEM", "fp"}, &sync_) {
    source_->set_inventory(test::esxi_inventory());
    sync_.start();
  }

  static inventory::SyncOptions options() {
    inventory::SyncOptions o;
    o.interval = std::chrono::nanoseconds(0);  // only explicit checks: deterministic counts
    return o;
  }

  Response call(const std::string& method, const std::string& target,
                const std::string& body = "") {
    Response r = router_.handle({method, target, body, true});
    last_ = json::parse(r.body, nullptr, false);
    EXPECT_FALSE(last_.is_discarded()) << r.body;
    return r;
  }

  void expect_error(const Response& r, int status, const std::string& mention = "") {
    EXPECT_EQ(r.status, status) << r.body;
    EXPECT_EQ(last_["type"], "error");
    EXPECT_NE(last_["error"].get<std::string>().find(mention), std::string::npos) << r.body;
  }

  static std::string source_body(const std::string& fingerprint = "") {
    return json{{"name", "esxi01"},
                {"source_type", "vmware"},
                {"properties",
                 {{"endpoint", "https://10.10.0.3"},
                  {"username", "user"},
                  {"password", "pw"},
                  {"trusted_server_certificate_fingerprint", fingerprint},
                  {"import_limit", 50}}}}
        .dump();
  }

  // The transcript: add (untrusted certificate), then update with the fingerprint pinned.
  void add_synced_source() {
    ASSERT_EQ(call("POST", "/1.0/sources", source_body()).status, 201);
    ASSERT_EQ(call("PUT", "/1.0/sources/esxi01", source_body(test::kServedFingerprint)).status,
              200);
    ASSERT_EQ(last_["metadata"]["ConnectivityStatus"], "OK");
  }

  std::unique_ptr<state::Store> store_;
  std::shared_ptr<test::FakeSource> source_;
  std::shared_ptr<test::FakeTarget> target_;
  inventory::SyncService sync_;
  Router router_;
  json last_;
};

const char* kUbuntu = "52d5cfe0-d341-82d9-3f23-4149687b4e3e";

TEST_F(InventoryApi, SourceAddReportsTheUntrustedFingerprint) {
  Response r = call("POST", "/1.0/sources", source_body());
  EXPECT_EQ(r.status, 201);
  EXPECT_EQ(last_["metadata"], json({{"ConnectivityStatus", "Confirm TLS fingerprint"},
                                     {"certFingerprint", test::kServedFingerprint}}));
  call("GET", "/1.0/sources/esxi01");
  EXPECT_EQ(last_["metadata"]["properties"]["connectivity_status"], "Confirm TLS fingerprint");

  // `source update` round-trips the GET: no password (""), the pin added.
  json put = last_["metadata"];
  put.erase("source_type");
  put["properties"]["password"] = "";
  put["properties"]["trusted_server_certificate_fingerprint"] = test::kServedFingerprint;
  r = call("PUT", "/1.0/sources/esxi01", put.dump());
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(last_["metadata"], json({{"ConnectivityStatus", "OK"}}));
  EXPECT_EQ(store_->source_password("esxi01"), "pw");
  call("GET", "/1.0/sources?recursion=1");
  EXPECT_EQ(last_["metadata"][0]["properties"]["connectivity_status"], "OK");

  source_->set_fail(source::SourceError::Kind::kUnreachable);
  call("PUT", "/1.0/sources/esxi01", put.dump());
  EXPECT_EQ(last_["metadata"], json({{"ConnectivityStatus", "Cannot connect"}}));
}

TEST_F(InventoryApi, TargetAddAndUpdate) {
  json body = {{"name", "incus01"},
               {"target_type", "incus"},
               {"properties",
                {{"endpoint", "https://10.1.0.101:8443"},
                 {"tls_client_cert", "CERT"},
                 {"tls_client_key", "KEY"}}}};
  Response r = call("POST", "/1.0/targets", body.dump());
  EXPECT_EQ(r.status, 201);
  EXPECT_EQ(last_["metadata"], json({{"ConnectivityStatus", "Confirm TLS fingerprint"},
                                     {"certFingerprint", test::kServedFingerprint}}));
  body["properties"]["trusted_server_certificate_fingerprint"] = test::kServedFingerprint;
  body["properties"]["tls_client_key"] = "";
  call("PUT", "/1.0/targets/incus01", body.dump());
  EXPECT_EQ(last_["metadata"], json({{"ConnectivityStatus", "OK"}}));
  EXPECT_EQ(store_->target_tls_client_key("incus01"), "KEY");
  call("GET", "/1.0/targets/incus01");
  EXPECT_EQ(last_["metadata"]["properties"]["connectivity_status"], "OK");
  EXPECT_EQ(last_["metadata"]["properties"]["auth_type"], "TLS");
}

TEST_F(InventoryApi, InstancesListShowAndFilter) {
  add_synced_source();
  call("GET", "/1.0/instances");
  ASSERT_EQ(last_["metadata"].size(), 3u);
  EXPECT_EQ(last_["metadata"][0].get<std::string>().rfind("/1.0/instances/", 0), 0u);

  call("GET", "/1.0/instances?recursion=1");
  ASSERT_EQ(last_["metadata"].size(), 3u);
  json win;
  for (const auto& i : last_["metadata"]) {
    if (i["properties"]["location"] == "/ha-datacenter/vm/Win2016") win = i;
  }
  EXPECT_EQ(win["source"], "esxi01");
  EXPECT_EQ(win["source_type"], "vmware");
  EXPECT_EQ(win["properties"]["os_version"], "Windows Server 2016, 64-bit (Build 14393.693)");
  EXPECT_EQ(win["properties"]["background_import"], true);
  EXPECT_EQ(win["properties"]["memory"], int64_t{4} << 30);
  EXPECT_EQ(win["properties"]["uuid"], "52cfcb6b-20ee-add3-adc9-68c63ca9adfd");
  EXPECT_EQ(win["missing"], false);
  EXPECT_EQ(win["overrides"]["last_update"], "0001-01-01T00:00:00Z");
  EXPECT_EQ(win["overrides"]["properties"]["cpus"], 0);
  EXPECT_FALSE(win["last_update_from_source"].get<std::string>().empty());

  call("GET",
       "/1.0/instances?include_expression=" +
           std::string("location%20matches%20%27Win2016%27%20and%20len(disks)%20%3D%3D%201"));
  ASSERT_EQ(last_["metadata"].size(), 1u);
  EXPECT_EQ(last_["metadata"][0]["properties"]["location"], "/ha-datacenter/vm/Win2016");
  call("GET", "/1.0/instances?include_expression=background_import%20%3D%3D%20false");
  ASSERT_EQ(last_["metadata"].size(), 1u);
  EXPECT_EQ(last_["metadata"][0]["properties"]["location"], "/ha-datacenter/vm/Debian Bookworm");
  expect_error(call("GET", "/1.0/instances?include_expression=locaton%20%3D%3D%20%27x%27"), 400,
               "include_expression");
  expect_error(call("GET", "/1.0/instances?include_expression=cpus"), 400, "boolean");

  EXPECT_EQ(call("GET", std::string("/1.0/instances/") + kUbuntu).status, 200);
  EXPECT_EQ(last_["metadata"]["properties"]["location"], "/ha-datacenter/vm/Ubuntu 2404");
  expect_error(call("GET", "/1.0/instances/nope"), 404);
  expect_error(call("POST", "/1.0/instances"), 405);
  expect_error(call("DELETE", std::string("/1.0/instances/") + kUbuntu), 405);
  expect_error(call("GET", std::string("/1.0/instances/") + kUbuntu + "/nope"), 404);
}

TEST_F(InventoryApi, InstanceOverridesAppliedOnRead) {
  add_synced_source();
  const std::string path = std::string("/1.0/instances/") + kUbuntu + "/override";
  call("GET", path);
  EXPECT_EQ(last_["metadata"]["last_update"], "0001-01-01T00:00:00Z");
  EXPECT_EQ(last_["metadata"]["disable_migration"], false);

  const json body = {{"last_update", "2025-11-18T23:53:11.068675129Z"},
                     {"comment", "Override OS and OS version (no VMware guest agent)"},
                     {"disable_migration", false},
                     {"ignore_restrictions", false},
                     {"properties",
                      {{"name", ""},
                       {"description", ""},
                       {"cpus", 4},
                       {"memory", 0},
                       {"config", json::object()},
                       {"os", "Ubuntu"},
                       {"os_version", "Ubuntu 24.04 (Noble)"},
                       {"architecture", ""}}}};
  Response r = call("PUT", path, body.dump());
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_NE(last_["metadata"]["last_update"], "2025-11-18T23:53:11.068675129Z");  // daemon's own
  call("GET", std::string("/1.0/instances/") + kUbuntu);
  EXPECT_EQ(last_["metadata"]["properties"]["os_version"], "Ubuntu 24.04 (Noble)");
  EXPECT_EQ(last_["metadata"]["properties"]["cpus"], 4);
  EXPECT_EQ(last_["metadata"]["overrides"]["comment"],
            "Override OS and OS version (no VMware guest agent)");
  // Filters see the overridden values too.
  call("GET", "/1.0/instances?include_expression=os_version%20startsWith%20%27Ubuntu%27");
  EXPECT_EQ(last_["metadata"].size(), 1u);

  // A resync keeps the override.
  ASSERT_EQ(call("POST", "/1.0/sources/esxi01/:sync").status, 200);
  call("GET", std::string("/1.0/instances/") + kUbuntu);
  EXPECT_EQ(last_["metadata"]["properties"]["os_version"], "Ubuntu 24.04 (Noble)");

  struct Case {
    json body;
    std::string field;
  };
  const std::vector<Case> bad = {
      {{{"comment", 5}}, "\"comment\""},
      {{{"bogus", 1}}, "\"bogus\""},
      {{{"disable_migration", "yes"}}, "\"disable_migration\""},
      {{{"properties", {{"cpus", -1}}}}, "\"properties.cpus\""},
      {{{"properties", {{"cpus", "4"}}}}, "\"properties.cpus\""},
      {{{"properties", {{"memory", 1.5}}}}, "\"properties.memory\""},
      {{{"properties", {{"bogus", 1}}}}, "\"properties.bogus\""},
      {{{"properties", {{"config", {{"limits.cpu", 2}}}}}}, "\"properties.config.limits.cpu\""},
      {{{"properties", {{"architecture", "sparc"}}}}, "\"properties.architecture\""},
      {{{"properties", {{"name", "a/b"}}}}, "\"properties.name\""},
      {{{"properties", 5}}, "\"properties\""},
  };
  for (const auto& c : bad) {
    SCOPED_TRACE(c.body.dump());
    expect_error(call("PUT", path, c.body.dump()), 400, c.field);
  }
  expect_error(call("PUT", path, "[]"), 400, "object");

  EXPECT_EQ(call("DELETE", path).status, 200);
  call("GET", std::string("/1.0/instances/") + kUbuntu);
  EXPECT_EQ(last_["metadata"]["properties"]["os_version"], "");
  EXPECT_EQ(call("POST", path, R"({"disable_migration": true})").status, 201);
  EXPECT_EQ(call("GET", path).status, 200);
  EXPECT_EQ(last_["metadata"]["disable_migration"], true);
  expect_error(call("PUT", "/1.0/instances/nope/override", "{}"), 404);
  expect_error(call("PATCH", path, "{}"), 405);
}

TEST_F(InventoryApi, NetworksWithPlacementAndOverrides) {
  add_synced_source();
  call("GET", "/1.0/networks?recursion=1");
  ASSERT_EQ(last_["metadata"].size(), 1u);
  json net = last_["metadata"][0];
  EXPECT_EQ(net["source_specific_id"], "HaNetwork-VMWARE");
  EXPECT_EQ(net["location"], "/ha-datacenter/network/VMWARE");
  EXPECT_EQ(net["source"], "esxi01");
  EXPECT_EQ(net["type"], "standard");
  EXPECT_EQ(net["placement"],
            json({{"network", "VMWARE"}, {"nictype", "managed"}, {"vlan_id", ""}}));
  EXPECT_EQ(net["overrides"], json({{"network", ""}, {"nictype", ""}, {"vlan_id", ""}}));
  const std::string uuid = net["uuid"];
  call("GET", "/1.0/networks");
  EXPECT_EQ(last_["metadata"], json::array({"/1.0/networks/" + uuid}));

  Response r = call("PUT", "/1.0/networks/" + uuid,
                    R"({"network": "br0", "nictype": "bridged", "vlan_id": "10"})");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(last_["metadata"]["placement"],
            json({{"network", "br0"}, {"nictype", "bridged"}, {"vlan_id", "10"}}));
  call("PUT", "/1.0/networks/" + uuid + "/override", R"({"network": "incusbr0", "vlan_id": 30})");
  call("GET", "/1.0/networks/" + uuid);
  EXPECT_EQ(last_["metadata"]["placement"],
            json({{"network", "incusbr0"}, {"nictype", "managed"}, {"vlan_id", "30"}}));
  call("GET", "/1.0/networks/" + uuid + "/override");
  EXPECT_EQ(last_["metadata"], json({{"network", "incusbr0"}, {"nictype", ""}, {"vlan_id", "30"}}));

  // Resync: same uuid, override kept.
  ASSERT_EQ(call("POST", "/1.0/sources/esxi01/:sync").status, 200);
  call("GET", "/1.0/networks/" + uuid);
  EXPECT_EQ(last_["metadata"]["placement"]["network"], "incusbr0");

  const std::vector<std::pair<std::string, std::string>> bad = {
      {R"({"nictype": "macvlan"})", "\"nictype\""}, {R"({"vlan_id": "5000"})", "\"vlan_id\""},
      {R"({"vlan_id": 0})", "\"vlan_id\""},         {R"({"vlan_id": "ten"})", "\"vlan_id\""},
      {R"({"vlan_id": true})", "\"vlan_id\""},      {R"({"network": 5})", "\"network\""},
      {R"({"network": "a/b"})", "\"network\""},     {R"({"name": "x"})", "\"name\""},
  };
  for (const auto& [body, field] : bad) {
    SCOPED_TRACE(body);
    expect_error(call("PUT", "/1.0/networks/" + uuid, body), 400, field);
  }
  EXPECT_EQ(call("DELETE", "/1.0/networks/" + uuid + "/override").status, 200);
  call("GET", "/1.0/networks/" + uuid);
  EXPECT_EQ(last_["metadata"]["placement"]["network"], "VMWARE");
  expect_error(call("GET", "/1.0/networks/nope"), 404);
  expect_error(call("DELETE", "/1.0/networks/" + uuid), 405);
  expect_error(call("POST", "/1.0/networks"), 405);
}

TEST_F(InventoryApi, WarningsListShowAcknowledge) {
  add_synced_source();
  call("GET", "/1.0/warnings");
  ASSERT_EQ(last_["metadata"].size(), 2u);  // partially imported, restricted
  json w;
  for (const auto& x : last_["metadata"]) {
    if (x["type"] == "Instance migration is restricted") w = x;
  }
  ASSERT_TRUE(w.is_object());
  EXPECT_EQ(w["status"], "new");
  EXPECT_EQ(w["scope"], json({{"scope", "sync"}, {"entity_type", "source"}, {"entity", "esxi01"}}));
  EXPECT_EQ(w["count"], 2);
  EXPECT_EQ(w["messages"].size(), 2u);
  for (const char* k : {"first_seen_date", "last_seen_date", "updated_date", "uuid"}) {
    EXPECT_FALSE(w[k].get<std::string>().empty()) << k;
  }
  const std::string path = "/1.0/warnings/" + w["uuid"].get<std::string>();
  EXPECT_EQ(call("GET", path).status, 200);
  EXPECT_EQ(last_["metadata"]["type"], "Instance migration is restricted");
  EXPECT_EQ(call("PUT", path, R"({"status": "acknowledged"})").status, 200);
  EXPECT_EQ(last_["metadata"]["status"], "acknowledged");
  // A whole warning sent back (edit of a GET) is accepted; only status counts.
  json back = last_["metadata"];
  back["status"] = "new";
  EXPECT_EQ(call("PATCH", path, back.dump()).status, 200);
  EXPECT_EQ(last_["metadata"]["status"], "new");
  expect_error(call("PUT", path, R"({"status": "done"})"), 400, "\"status\"");
  expect_error(call("PUT", path, R"({})"), 400, "\"status\"");
  expect_error(call("PUT", path, R"({"status": "new", "bogus": 1})"), 400, "\"bogus\"");
  expect_error(call("GET", "/1.0/warnings/nope"), 404);
  expect_error(call("DELETE", path), 405);
  expect_error(call("POST", "/1.0/warnings"), 405);
}

TEST_F(InventoryApi, SourceSyncRoute) {
  expect_error(call("POST", "/1.0/sources/esxi01/:sync"), 404);
  add_synced_source();
  const int before = source_->fetches;
  EXPECT_EQ(call("POST", "/1.0/sources/esxi01/:sync").status, 200);
  EXPECT_EQ(last_["metadata"], json::object());
  EXPECT_EQ(source_->fetches, before + 1);
  source_->set_fail(source::SourceError::Kind::kUnreachable);
  expect_error(call("POST", "/1.0/sources/esxi01/:sync"), 503, "Cannot connect");
  expect_error(call("GET", "/1.0/sources/esxi01/:sync"), 405);
  expect_error(call("POST", "/1.0/sources/esxi01/synchronise"), 404);
  EXPECT_EQ(call("POST", "/1.0/sources/esxi01/sync").status, 503);  // the alias, same route

  // Without clients the route says so.
  Router bare(*store_, {"host", "0.1.0", "PEM", "fp"});
  const Response r = bare.handle({"POST", "/1.0/sources/esxi01/:sync", "", true});
  EXPECT_EQ(r.status, 503);
}

}  // namespace
}  // namespace mm::api
