// The lab endpoint (tests/support/incus_lab.h): the real incusd's projects, pools, networks and
// custom volumes, and stand-in VMs whose root disk is a file where incusd's dir driver keeps it,
// all through one IncusClient. Its own binary: the lab adds a pool, a project and a network that
// the other integration tests must not see.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <vector>

#include <gtest/gtest.h>

#include "orchestrator/incus/client.h"
#include "orchestrator/incus/error.h"
#include "orchestrator/incus/volume_location.h"
#include "tests/support/incus_lab.h"

namespace mm::incus {
namespace {
using Kind = target::TargetError::Kind;
namespace fs = std::filesystem;

class IncusLabTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (const std::string why = test::incus_missing_reason(); !why.empty()) {
      failure_ = new std::string(why);
      return;
    }
    try {
      test::IncusLabOptions options;
      options.second_project = "tenant";
      lab_ = new test::IncusLab(options);
    } catch (const std::exception& e) {
      failure_ = new std::string(e.what());
    }
  }
  static void TearDownTestSuite() {
    delete lab_;
    delete failure_;
    lab_ = nullptr;
    failure_ = nullptr;
  }
  void SetUp() override {
    ASSERT_NE(lab_, nullptr) << "Incus lab fixture: " << (failure_ ? *failure_ : "not started");
  }

  static InstanceSpec vm(const std::string& name, const std::string& pool) {
    InstanceSpec s;
    s.name = name;
    s.cpus = 2;
    s.memory_bytes = 1ull << 30;
    s.firmware = Firmware::kUefiSecureBoot;
    s.nics = {{"eth0", "00:16:3e:aa:00:01", test::IncusLab::kNetwork, "", "", ""}};
    s.disks = {{"root", pool, "/", "64MiB", "", {}}};
    return s;
  }

  static test::IncusLab* lab_;
  static std::string* failure_;
};
test::IncusLab* IncusLabTest::lab_;
std::string* IncusLabTest::failure_;

template <class F>
IncusError error_of(F f) {
  try {
    f();
  } catch (const IncusError& e) {
    return e;
  }
  ADD_FAILURE() << "no error";
  return IncusError(Kind::kProtocol, "none");
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// What mm-transfer does: write bytes into the file and read them back.
void write_and_check(const std::string& path, off_t offset) {
  const std::vector<char> pattern(4096, '\x6b');
  const int fd = ::open(path.c_str(), O_RDWR);
  ASSERT_GE(fd, 0) << path;
  ASSERT_EQ(::pwrite(fd, pattern.data(), pattern.size(), offset), 4096);
  std::vector<char> back(4096);
  ASSERT_EQ(::pread(fd, back.data(), back.size(), offset), 4096);
  ::close(fd);
  EXPECT_EQ(back, pattern);
}

TEST_F(IncusLabTest, ListsTheRealDaemonsProjectsPoolsAndNetworks) {
  IncusClient client(lab_->endpoint());
  EXPECT_EQ(client.check_trusted().auth, "trusted");
  std::vector<std::string> names;
  for (const auto& p : client.projects()) names.push_back(p.name);
  EXPECT_EQ(names, (std::vector<std::string>{"default", "tenant"}));

  names.clear();
  for (const auto& p : client.storage_pools()) {
    names.push_back(p.name);
    EXPECT_EQ(p.driver, "dir");
    EXPECT_EQ(p.config.at("source"), lab_->incus().dir() + "/storage-pools/" + p.name);
  }
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"default", "pool02"}));
  EXPECT_TRUE(error_of([&] { client.storage_pool("nope"); }).not_found());

  bool managed = false;
  for (const auto& n : client.networks()) {
    managed = managed || (n.name == "incusbr0" && n.type == "macvlan" && n.managed);
  }
  EXPECT_TRUE(managed) << "the lab's managed network incusbr0";
  // incusd's operations list, with the stand-in's merged in.
  EXPECT_EQ(client.call("GET", "/1.0/operations").type, ReplyType::kSync);
}

TEST_F(IncusLabTest, VmRootDiskIsWhereIncusKeepsItAndVolumesAreReal) {
  IncusClient client(lab_->endpoint());
  const std::string pool_source = lab_->pool_source("default");
  client.create_custom_volume("pool02", "default", {"web01-disk1", "32MiB", "block", "", {}});
  const VolumeLocation data = locate_custom_volume(client, "pool02", "default", "web01-disk1");
  EXPECT_EQ(data.path, lab_->pool_source("pool02") + "/custom/default_web01-disk1/root.img");
  ASSERT_TRUE(fs::is_regular_file(data.path));

  InstanceSpec spec = vm("web01", "default");
  spec.disks.push_back({"disk1", "pool02", "", "", "web01-disk1", {}});
  client.create_instance("default", spec);
  Instance created = client.instance("default", "web01");
  EXPECT_EQ(created.type, "virtual-machine");
  EXPECT_EQ(created.devices.at("eth0").at("network"), "incusbr0");
  EXPECT_EQ(created.devices.at("disk1").at("source"), "web01-disk1");

  const VolumeLocation root = locate_instance_root_volume(client, "default", "default", "web01");
  EXPECT_EQ(root.driver, "dir");
  EXPECT_EQ(root.path, pool_source + "/virtual-machines/web01/root.img");
  ASSERT_TRUE(fs::is_regular_file(root.path));
  EXPECT_EQ(fs::file_size(root.path), 64u << 20);
  struct stat st {};
  ASSERT_EQ(::stat(root.path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_LT(st.st_blocks * 512, 1 << 20) << "sparse";
  write_and_check(root.path, 32 << 20);
  write_and_check(data.path, 1 << 20);
  EXPECT_EQ(
      error_of([&] { locate_instance_root_volume(client, "pool02", "default", "web01"); }).kind(),
      Kind::kProtocol)
      << "its root disk is on default, not pool02";

  client.start_instance("default", "web01");
  EXPECT_EQ(client.instance("default", "web01").status, "Running");
  client.stop_instance("default", "web01", true);
  EXPECT_EQ(client.instance("default", "web01").status, "Stopped");
  client.delete_instance("default", "web01");
  EXPECT_FALSE(fs::exists(root.path));
  EXPECT_FALSE(fs::exists(fs::path(root.path).parent_path()));
  EXPECT_TRUE(error_of([&] { client.instance("default", "web01"); }).not_found());

  // The custom volume is the real daemon's and outlives the VM.
  EXPECT_TRUE(fs::is_regular_file(data.path));
  client.delete_custom_volume("pool02", "default", "web01-disk1");
  EXPECT_FALSE(fs::exists(data.path));
}

TEST_F(IncusLabTest, PlacesInTheSecondProjectAndPool) {
  IncusClient client(lab_->endpoint());
  client.create_custom_volume("pool02", "tenant", {"db01-disk1", "16MiB", "block", "", {}});
  EXPECT_EQ(locate_custom_volume(client, "pool02", "tenant", "db01-disk1").path,
            lab_->pool_source("pool02") + "/custom/tenant_db01-disk1/root.img");
  InstanceSpec spec = vm("db01", "pool02");
  spec.disks.push_back({"disk1", "pool02", "", "", "db01-disk1", {}});
  client.create_instance("tenant", spec);
  const VolumeLocation root = locate_instance_root_volume(client, "pool02", "tenant", "db01");
  EXPECT_EQ(root.path, lab_->pool_source("pool02") + "/virtual-machines/tenant_db01/root.img");
  EXPECT_EQ(fs::file_size(root.path), 64u << 20);
  EXPECT_TRUE(error_of([&] { client.instance("default", "db01"); }).not_found());
  client.delete_instance("tenant", "db01");
  EXPECT_FALSE(fs::exists(root.path));
  client.delete_custom_volume("pool02", "tenant", "db01-disk1");
}

TEST_F(IncusLabTest, RefusesWhatIncusdWouldAndLeavesNoFileBehind) {
  IncusClient client(lab_->endpoint());
  const std::string vms = lab_->pool_source("default") + "/virtual-machines";

  InstanceSpec missing = vm("bad01", "default");
  missing.disks.push_back({"disk1", "default", "", "", "no-such-volume", {}});
  IncusError err = error_of([&] { client.create_instance("default", missing); });
  EXPECT_EQ(err.code(), 404);
  EXPECT_TRUE(contains(err.what(), "Failed loading custom volume: Storage volume not found"))
      << err.what();

  InstanceSpec no_pool = vm("bad02", "nopool");
  err = error_of([&] { client.create_instance("default", no_pool); });
  EXPECT_EQ(err.code(), 404);
  EXPECT_TRUE(contains(err.what(), "Storage pool not found")) << err.what();

  InstanceSpec no_size = vm("bad03", "default");
  no_size.disks[0].size.clear();
  err = error_of([&] { client.create_instance("default", no_size); });
  EXPECT_TRUE(contains(err.what(), "needs a size")) << err.what();

  EXPECT_TRUE(fs::is_empty(vms)) << "no root.img left by a refused creation";
  for (const char* name : {"bad01", "bad02", "bad03"}) {
    EXPECT_TRUE(error_of([&] { client.instance("default", name); }).not_found()) << name;
  }

  client.create_instance("default", vm("dup01", "default"));
  EXPECT_EQ(error_of([&] { client.create_instance("default", vm("dup01", "default")); }).code(),
            500);
  client.delete_instance("default", "dup01");
  EXPECT_TRUE(fs::is_empty(vms));
}

TEST_F(IncusLabTest, UnknownOperationsGoToTheRealDaemon) {
  IncusClient client(lab_->endpoint());
  EXPECT_TRUE(error_of([&] {
                client.wait_operation("/1.0/operations/123e4567-e89b-12d3-a456-426614174000");
              }).not_found());
}

}  // namespace
}  // namespace mm::incus
