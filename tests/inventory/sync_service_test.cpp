// The sync worker with in-process clients: connectivity statuses and the fingerprint flow,
// missing marking, failures that keep the inventory, warning counts, periodic resyncs, target
// checks, and the password kept out of the database file.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "orchestrator/inventory/status.h"
#include "orchestrator/inventory/sync.h"
#include "orchestrator/inventory/sync_service.h"
#include "tests/inventory/fake_connectors.h"
#include "tests/support/servers.h"

namespace mm::inventory {
namespace {

state::SourceRecord source(const std::string& name, const std::string& fingerprint = "") {
  state::SourceRecord s;
  s.name = name;
  s.endpoint = "https://10.10.0.3";
  s.username = "user";
  s.password = "pw";
  s.trusted_fingerprint = fingerprint;
  return s;
}

std::optional<state::WarningRecord> warning(state::Store& store, const std::string& type) {
  for (const auto& w : store.list_warnings()) {
    if (w.type == type) return w;
  }
  return std::nullopt;
}

class SyncServiceTest : public ::testing::Test {
 protected:
  SyncServiceTest()
      : store_(state::Store::in_memory()),
        source_(std::make_shared<test::FakeSource>()),
        target_(std::make_shared<test::FakeTarget>()) {
    source_->set_inventory(test::esxi_inventory());
  }

  std::unique_ptr<state::Store> store_;
  std::shared_ptr<test::FakeSource> source_;
  std::shared_ptr<test::FakeTarget> target_;
};

TEST_F(SyncServiceTest, ConfirmFingerprintThenPin) {
  SyncOptions opt;
  opt.interval = std::chrono::nanoseconds(0);
  SyncService svc(*store_, source_, target_, opt);
  svc.start();
  store_->create_source(source("esxi01"));
  ConnectivityResult r = svc.check_source("esxi01");
  EXPECT_EQ(r.status, "Confirm TLS fingerprint");
  EXPECT_EQ(r.fingerprint, test::kServedFingerprint);
  EXPECT_EQ(store_->get_source("esxi01")->connectivity_status, "Confirm TLS fingerprint");
  EXPECT_TRUE(store_->list_instances().empty());
  auto w = warning(*store_, "Sources are unavailable");
  ASSERT_TRUE(w);
  EXPECT_EQ(w->messages, std::vector<std::string>{"status: \"Confirm TLS fingerprint\""});
  EXPECT_EQ(w->entity, "esxi01");
  EXPECT_EQ(w->count, 1);

  // Pinning the served fingerprint (what `source update` does) makes the next check pass.
  store_->update_source("esxi01", source("esxi01", test::kServedFingerprint));
  r = svc.check_source("esxi01");
  EXPECT_EQ(r.status, "OK");
  EXPECT_EQ(store_->get_source("esxi01")->connectivity_status, "OK");
  EXPECT_EQ(store_->list_instances().size(), 3u);
  EXPECT_EQ(store_->list_networks().size(), 1u);
  EXPECT_FALSE(warning(*store_, "Sources are unavailable"));  // condition cleared
  EXPECT_TRUE(warning(*store_, "Instances partially imported"));
  // The client got the stored password and the pin.
  const auto seen = source_->seen();
  EXPECT_EQ(seen.back().password, "pw");
  EXPECT_EQ(seen.back().username, "user");
  EXPECT_EQ(seen.back().trusted_fingerprint, test::kServedFingerprint);
}

TEST_F(SyncServiceTest, StatusesForEachFailure) {
  store_->create_source(source("esxi01", test::kServedFingerprint));
  source_->password = "other";
  EXPECT_EQ(sync_source(*store_, *source_, "esxi01").status, "Authentication error");
  source_->set_fail(source::SourceError::Kind::kUnreachable);
  EXPECT_EQ(sync_source(*store_, *source_, "esxi01").status, "Cannot connect");
  source_->set_fail(source::SourceError::Kind::kProtocol);
  const ConnectivityResult r = sync_source(*store_, *source_, "esxi01");
  EXPECT_EQ(r.status, "Unknown");
  EXPECT_EQ(r.error, "simulated failure");
  ASSERT_TRUE(warning(*store_, "Instances not imported"));
  EXPECT_EQ(warning(*store_, "Instances not imported")->messages,
            std::vector<std::string>{"simulated failure"});
}

TEST_F(SyncServiceTest, MissingMarkedAndFailuresKeepInventory) {
  store_->create_source(source("esxi01", test::kServedFingerprint));
  ASSERT_EQ(sync_source(*store_, *source_, "esxi01").status, "OK");
  auto inv = test::esxi_inventory();
  inv.vms.pop_back();  // Debian Bookworm is gone from the source
  source_->set_inventory(inv);
  ASSERT_EQ(sync_source(*store_, *source_, "esxi01").status, "OK");
  auto gone = store_->get_instance("52d89a93-ff8f-9dea-4d74-ec99beb1d2d4");
  ASSERT_TRUE(gone);
  EXPECT_TRUE(gone->missing);
  EXPECT_FALSE(store_->get_instance("52cfcb6b-20ee-add3-adc9-68c63ca9adfd")->missing);
  // Its restriction message is gone with it; Ubuntu's is counted once per sync.
  auto res = warning(*store_, "Instance migration is restricted");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->messages.size(), 1u);
  EXPECT_EQ(res->count, 3);  // 2 messages in the first sync, 1 in the second

  // Two failed syncs: the inventory and the other warnings stay, the unavailability counts up.
  source_->set_fail(source::SourceError::Kind::kUnreachable);
  sync_source(*store_, *source_, "esxi01");
  sync_source(*store_, *source_, "esxi01");
  EXPECT_EQ(store_->get_source("esxi01")->connectivity_status, "Cannot connect");
  EXPECT_EQ(store_->list_instances().size(), 3u);
  EXPECT_EQ(warning(*store_, "Sources are unavailable")->count, 2);
  EXPECT_EQ(warning(*store_, "Sources are unavailable")->messages,
            std::vector<std::string>{"status: \"Cannot connect\""});
  EXPECT_TRUE(warning(*store_, "Instance migration is restricted"));

  // Back: the VM returns (missing cleared), the unavailability warning is removed.
  source_->set_fail(std::nullopt);
  source_->set_inventory(test::esxi_inventory());
  ASSERT_EQ(sync_source(*store_, *source_, "esxi01").status, "OK");
  EXPECT_FALSE(store_->get_instance("52d89a93-ff8f-9dea-4d74-ec99beb1d2d4")->missing);
  EXPECT_FALSE(warning(*store_, "Sources are unavailable"));
}

TEST_F(SyncServiceTest, AcknowledgedStaysAcknowledged) {
  store_->create_source(source("esxi01", test::kServedFingerprint));
  sync_source(*store_, *source_, "esxi01");
  auto w = warning(*store_, "Instances partially imported");
  ASSERT_TRUE(w);
  store_->set_warning_status(w->uuid, "acknowledged");
  sync_source(*store_, *source_, "esxi01");
  w = warning(*store_, "Instances partially imported");
  EXPECT_EQ(w->status, "acknowledged");
  EXPECT_EQ(w->count, 2);
}

TEST_F(SyncServiceTest, PeriodicResync) {
  store_->create_source(source("esxi01", test::kServedFingerprint));
  SyncOptions opt;
  opt.interval = std::chrono::milliseconds(50);
  SyncService svc(*store_, source_, target_, opt);
  svc.start();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (source_->fetches < 3 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  svc.stop();
  EXPECT_GE(source_->fetches.load(), 3);
  EXPECT_EQ(store_->get_source("esxi01")->connectivity_status, "OK");
}

// A client that takes its time: the API's wait ends, the sync finishes in the background.
class SlowSource : public test::FakeSource {
 public:
  source::Inventory fetch_inventory(const source::SourceEndpoint& ep) override {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    return FakeSource::fetch_inventory(ep);
  }
};

TEST_F(SyncServiceTest, BoundedWait) {
  auto slow = std::make_shared<SlowSource>();
  slow->set_inventory(test::esxi_inventory());
  store_->create_source(source("esxi01", test::kServedFingerprint));
  SyncOptions opt;
  opt.interval = std::chrono::nanoseconds(0);
  opt.api_wait = std::chrono::milliseconds(20);
  SyncService svc(*store_, slow, nullptr, opt);
  svc.start();
  const ConnectivityResult r = svc.check_source("esxi01");
  EXPECT_FALSE(r.finished);
  EXPECT_EQ(r.status, "Unknown");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (store_->get_source("esxi01")->connectivity_status != "OK" &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(store_->get_source("esxi01")->connectivity_status, "OK");
}

TEST_F(SyncServiceTest, TargetChecks) {
  SyncOptions opt;
  opt.interval = std::chrono::nanoseconds(0);
  SyncService svc(*store_, source_, target_, opt);
  svc.start();
  state::TargetRecord t;
  t.name = "incus01";
  t.endpoint = "https://10.1.0.101:8443";
  t.tls_client_cert = "CERT";
  t.tls_client_key = "KEY";
  store_->create_target(t);
  ConnectivityResult r = svc.check_target("incus01");
  EXPECT_EQ(r.status, "Confirm TLS fingerprint");
  EXPECT_EQ(r.fingerprint, test::kServedFingerprint);
  EXPECT_EQ(target_->last_endpoint().tls_client_key, "KEY");
  t.trusted_fingerprint = test::kServedFingerprint;
  t.tls_client_key.reset();  // kept
  store_->update_target("incus01", t);
  EXPECT_EQ(svc.check_target("incus01").status, "OK");
  EXPECT_EQ(store_->get_target("incus01")->connectivity_status, "OK");
  EXPECT_EQ(target_->last_endpoint().tls_client_key, "KEY");
  target_->set_fail(target::TargetError::Kind::kAuthFailed);
  EXPECT_EQ(svc.check_target("incus01").status, "Authentication error");
  target_->set_fail(target::TargetError::Kind::kUnreachable);
  EXPECT_EQ(svc.check_target("incus01").status, "Cannot connect");
}

TEST_F(SyncServiceTest, WithoutClientsStatusesStayUnknown) {
  SyncService svc(*store_, nullptr, nullptr);
  svc.start();
  store_->create_source(source("esxi01"));
  EXPECT_EQ(svc.check_source("esxi01").status, "Unknown");
  EXPECT_FALSE(svc.can_sync_sources());
  EXPECT_EQ(svc.check_target("nope").status, "Unknown");
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(SyncOnDisk, PasswordNeverInTheDatabaseFiles) {
  test::TempDir tmp;
  const std::string dir = tmp.file("state");
  const std::string password = "Secret-Sync-Password-4711";
  {
    auto store = state::Store::open_dir(dir);
    auto fake = std::make_shared<test::FakeSource>();
    fake->password = password;
    fake->set_inventory(test::esxi_inventory());
    state::SourceRecord s = source("esxi01", test::kServedFingerprint);
    s.password = password;
    store->create_source(s);
    ASSERT_EQ(sync_source(*store, *fake, "esxi01").status, "OK");
    EXPECT_EQ(fake->seen().back().password, password);
    // Read the files while the WAL still holds the recent pages.
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
      EXPECT_EQ(slurp(e.path()).find(password), std::string::npos) << e.path();
    }
  }
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    EXPECT_EQ(slurp(e.path()).find(password), std::string::npos) << e.path();
  }
}

}  // namespace
}  // namespace mm::inventory
