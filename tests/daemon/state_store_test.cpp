// The data-access layer on real SQLite files: CRUD, conflicts, restart, and no secret in the
// database bytes.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "orchestrator/state/store.h"
#include "tests/support/servers.h"

namespace mm::state {
namespace {

std::string file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Every file of the database: the main file, its WAL and shared memory, and any backups.
std::string all_db_bytes(const std::string& dir) {
  std::string all;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().filename().string().rfind("state.db", 0) == 0) all += file_bytes(e.path());
  }
  return all;
}

SourceRecord esxi(const std::string& password) {
  SourceRecord s;
  s.name = "esxi01";
  s.endpoint = "https://10.10.0.3";
  s.username = "user";
  s.password = password;
  return s;
}

TEST(Store, SourceCrudAndConflicts) {
  auto store = Store::in_memory();
  const SourceRecord created = store->create_source(esxi("pw-1"));
  EXPECT_GT(created.id, 0);
  EXPECT_TRUE(created.has_password);
  EXPECT_FALSE(created.password);  // reads never carry the secret
  EXPECT_THROW(store->create_source(esxi("pw-2")), StoreError);
  EXPECT_EQ(store->source_password("esxi01"), "pw-1");

  SourceRecord upd = esxi("");
  upd.password.reset();  // keep the stored password
  upd.trusted_fingerprint = std::string(64, 'a');
  upd.name = "esxi02";
  const SourceRecord renamed = store->update_source("esxi01", upd);
  EXPECT_EQ(renamed.name, "esxi02");
  EXPECT_EQ(renamed.id, created.id);
  EXPECT_EQ(store->source_password("esxi02"), "pw-1");
  EXPECT_FALSE(store->get_source("esxi01"));

  try {
    store->update_source("nope", upd);
    FAIL();
  } catch (const StoreError& e) {
    EXPECT_EQ(e.kind(), StoreError::Kind::kNotFound);
  }
  store->delete_source("esxi02");
  EXPECT_TRUE(store->list_sources().empty());
  EXPECT_THROW(store->delete_source("esxi02"), StoreError);
}

TEST(Store, TargetSecretsKeptOnUpdate) {
  auto store = Store::in_memory();
  TargetRecord t;
  t.name = "incus01";
  t.endpoint = "https://10.1.0.101:8443";
  t.tls_client_cert = "CERT";
  t.tls_client_key = "KEY";
  const TargetRecord created = store->create_target(t);
  EXPECT_TRUE(created.has_tls_client_key);
  EXPECT_FALSE(created.has_oidc_tokens);
  t.tls_client_key.reset();
  t.create_limit = 3;
  EXPECT_EQ(store->update_target("incus01", t).create_limit, 3);
  EXPECT_EQ(store->target_tls_client_key("incus01"), "KEY");
}

TEST(Store, RestartKeepsEverythingAndNoSecretInFiles) {
  test::TempDir dir;
  const std::string password = "Sup3r-Secret-Passw0rd-9f1c";
  const std::string key = "-----BEGIN PRIVATE KEY-----client-key-7d2e";
  {
    auto store = Store::open_dir(dir.path());
    store->create_source(esxi(password));
    TargetRecord t;
    t.name = "incus01";
    t.endpoint = "https://10.1.0.101:8443";
    t.tls_client_cert = "CERT";
    t.tls_client_key = key;
    store->create_target(t);
    store->add_certificate({std::string(64, 'b'), "laptop", "PEM"});
    // Bytes of the live files, WAL included, while the store is open.
    const std::string live = all_db_bytes(dir.path());
    EXPECT_EQ(live.find(password), std::string::npos);
    EXPECT_EQ(live.find(key), std::string::npos);
  }
  const std::string closed = all_db_bytes(dir.path());
  EXPECT_EQ(closed.find(password), std::string::npos);
  EXPECT_EQ(closed.find(key), std::string::npos);

  auto store = Store::open_dir(dir.path());
  EXPECT_EQ(store->source_password("esxi01"), password);
  EXPECT_EQ(store->target_tls_client_key("incus01"), key);
  EXPECT_TRUE(store->is_trusted(std::string(64, 'b')));
  EXPECT_FALSE(store->is_trusted(std::string(64, 'c')));
}

TEST(Store, InventoryUpsertKeepsOverrideAndMarksMissing) {
  auto store = Store::in_memory();
  const int64_t src = store->create_source(esxi("pw")).id;
  InstanceRecord i;
  i.uuid = "52cfcb6b-20ee-add3-adc9-68c63ca9adfd";
  i.source_id = src;
  i.inventory_path = "/ha-datacenter/vm/Win2016";
  i.name = "Win2016";
  i.cpus = 2;
  store->upsert_instance(i);
  store->set_instance_override(i.uuid, R"({"comment":"keep"})");
  i.cpus = 4;
  store->upsert_instance(i);
  auto got = store->get_instance(i.uuid);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->cpus, 4);
  EXPECT_EQ(got->override_json, R"({"comment":"keep"})");
  store->mark_missing_instances(src, {});
  EXPECT_TRUE(store->get_instance(i.uuid)->missing);
  store->upsert_instance(i);
  EXPECT_FALSE(store->get_instance(i.uuid)->missing);

  NetworkRecord n;
  n.uuid = "8df4f8e3-b446-4631-87a8-f7f97fce3109";
  n.source_id = src;
  n.identifier = "HaNetwork-VMWARE";
  n.type = "standard";
  n.location = "/ha-datacenter/network/VMWARE";
  store->upsert_network(n);
  store->set_network_override(n.uuid, R"({"network":"incusbr0"})");
  store->upsert_network(n);
  EXPECT_EQ(store->get_network(n.uuid)->override_json, R"({"network":"incusbr0"})");

  store->delete_source("esxi01");  // cascades
  EXPECT_TRUE(store->list_instances().empty());
  EXPECT_TRUE(store->list_networks().empty());
}

TEST(Store, WarningsCountOccurrences) {
  auto store = Store::in_memory();
  WarningRecord w;
  w.scope = "sync";
  w.entity_type = "source";
  w.entity = "esxi01";
  w.type = "Instances partially imported";
  w.messages = {"\"/vc01/vm/Ubuntu 2404\" has incomplete properties"};
  const WarningRecord first = store->record_warning(w, "2025-11-18T23:21:03Z");
  const WarningRecord second = store->record_warning(w, "2025-11-18T23:47:23Z");
  EXPECT_EQ(first.uuid, second.uuid);
  EXPECT_EQ(second.count, 2);
  EXPECT_EQ(second.first_seen_date, "2025-11-18T23:21:03Z");
  EXPECT_EQ(second.last_seen_date, "2025-11-18T23:47:23Z");
  store->set_warning_status(first.uuid, "acknowledged");
  EXPECT_EQ(store->get_warning(first.uuid)->status, "acknowledged");
  EXPECT_EQ(store->list_warnings().size(), 1u);
}

}  // namespace
}  // namespace mm::state
