// The documents' batch flows end to end, with real parts: the VMware simulator holding VMs whose
// disks carry data (changed while they are migrated), the Incus lab target, the scheduler with the
// real steps and mm-transfer workers, on a manual clock so a ten-minute window takes seconds.
// After cutover every target disk's digest equals its source's.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>

#include "orchestrator/incus/client.h"
#include "orchestrator/incus/requests.h"
#include "tests/flows/flow_world.h"
#include "tests/flows/lab_environment.h"

namespace mm::test {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;
using migration::TimePoint;

constexpr int64_t kDisk = 16 << 20;

// 000's ESXi host. "CentOS 9 UEFI" is spelled as 000's batch info shows it, so that the document's
// include expression matches it; Debian Bookworm has no change tracking (as in 001).
const char* kModel = R"json({
  "datastores": [{"name": "datastore-01", "path": "@DS@"}],
  "networks": [{"name": "VMWARE"}],
  "vms": [
    {"name": "Win2016", "instance_uuid": "52cfcb6b-20ee-add3-adc9-68c63ca9adfd",
     "guest_id": "windows9Server64Guest", "guest_os": "Windows Server 2016, 64-bit (Build 14393.693)",
     "cpus": 2, "memory_mb": 4096, "power_state": "poweredOn", "change_tracking": true,
     "disks": [{"capacity": 16777216}],
     "nics": [{"network": "VMWARE", "ips": ["10.10.0.11"]}]},
    {"name": "Debian Bookworm", "instance_uuid": "52d89a93-ff8f-9dea-4d74-ec99beb1d2d4",
     "guest_id": "debian12_64Guest", "guest_os": "Debian GNU/Linux 12 (bookworm)",
     "cpus": 3, "memory_mb": 6144, "power_state": "poweredOn", "change_tracking": false,
     "disks": [{"capacity": 16777216}],
     "nics": [{"network": "VMWARE", "ips": ["10.10.0.13"]}]},
    {"name": "CentOS 9 UEFI", "instance_uuid": "5263adbf-dbca-eb36-3019-b09743f40b6d",
     "guest_id": "centos9_64Guest", "guest_os": "CentOS Stream 9", "firmware": "efi",
     "cpus": 6, "memory_mb": 6144, "power_state": "poweredOn", "change_tracking": true,
     "disks": [{"capacity": 16777216}],
     "nics": [{"network": "VMWARE", "ips": ["10.10.0.14"]}]},
    {"name": "SuseUEFI", "instance_uuid": "5298cc11-96ea-4f50-b018-6d80bfdaa7d9",
     "guest_id": "opensuse64Guest", "guest_os": "openSUSE Leap 15.6", "firmware": "efi",
     "cpus": 3, "memory_mb": 6144, "power_state": "poweredOn", "change_tracking": true,
     "disks": [{"capacity": 16777216}],
     "nics": [{"network": "VMWARE", "ips": ["10.10.0.15"]}]}
  ]})json";

class BatchFlow : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(LabEnvironment::lab);
    world_ = std::make_unique<FlowWorld>(*LabEnvironment::lab, kModel, at(0, 30));
    // Data on every disk before the migration starts (the simulator made the images sparse).
    uint32_t seed = 1;
    for (const char* vm : {"Win2016", "Debian Bookworm", "CentOS 9 UEFI", "SuseUEFI"}) {
      world_->guest_write(vm, 0, 1 << 20, seed++);
      world_->guest_write(vm, 5 << 20, 3 << 20, seed++);
      world_->guest_write(vm, kDisk - (64 << 10), 64 << 10, seed++);
    }
  }
  void TearDown() override {
    world_.reset();
    LabEnvironment::clean();  // the lab is shared by the tests
  }

  // Waits for `name` to reach `stage`, recording every status it shows on the way.
  void wait_stage(const std::string& name, const std::string& stage, int seconds = 120) {
    const bool ok = world_->wait_for(
        [&] {
          seen_[name].insert(world_->status(name).substr(0, world_->status(name).find(':')));
          return world_->stage(name) == stage;
        },
        seconds);
    ASSERT_TRUE(ok) << name << " is " << world_->status(name) << ", expected stage " << stage
                    << "\n"
                    << world_->history(name);
  }

  void expect_same_disk(const std::string& vm, const std::string& name) {
    const std::string target = world_->target_root_path(name);
    ASSERT_FALSE(target.empty());
    EXPECT_EQ(FlowWorld::digest(world_->flat_image(vm)), FlowWorld::digest(target)) << vm;
  }

  std::unique_ptr<FlowWorld> world_;
  std::map<std::string, std::set<std::string>> seen_;
};

// 000: batch01 takes Win2016 and CentOS 9 UEFI through background import, waiting, cutover.
TEST_F(BatchFlow, Document000Batch01MigratesBothInstancesInsideTheWindow) {
  world_->add_batch(window_batch(
      "batch01", "(location matches 'Win2016' or location matches 'CentOS') and len(disks) == 1"));
  for (const char* name : {"Win2016", "CentOS9UEFI"}) wait_stage(name, "idle");
  EXPECT_EQ(world_->store().list_queue().size(), 2u);  // the two matched instances only
  EXPECT_EQ(world_->status("Win2016"), "Idle: Waiting for migration window");

  // The guests keep writing; the final top-up 10 minutes before the window picks it up.
  world_->guest_write("Win2016", 2 << 20, 512 << 10, 101);
  world_->guest_write("CentOS 9 UEFI", 9 << 20, 128 << 10, 102);
  world_->clock().set(at(0, 50));
  for (const char* name : {"Win2016", "CentOS9UEFI"}) {
    ASSERT_TRUE(world_->wait_for([&] {
      const auto ev = world_->event_types(name);
      return std::count(ev.begin(), ev.end(), "top_up.completed") == 1;
    })) << world_->status(name);
  }
  // More writes up to the moment the source is powered off.
  world_->guest_write("Win2016", 12 << 20, 256 << 10, 103);
  world_->guest_write("CentOS 9 UEFI", 0, 4096, 104);
  world_->clock().set(at(1, 0));
  for (const char* name : {"Win2016", "CentOS9UEFI"}) wait_stage(name, "finished");

  for (const char* name : {"Win2016", "CentOS9UEFI"}) {
    EXPECT_TRUE(seen_[name].count("Performing background import tasks") ||
                world_->event_types(name).size() > 0);
    EXPECT_EQ(world_->status(name), "Finished: Finished");
    EXPECT_EQ(world_->event_types(name),
              (std::vector<std::string>{
                  "created", "placement", "target.created", "background_import.started",
                  "background_import.completed", "top_up.started", "top_up.completed",
                  "final_import.started", "source.powered_off", "final_import.completed",
                  "post_migration.started", "target.started", "finished"}));
  }
  expect_same_disk("Win2016", "Win2016");
  expect_same_disk("CentOS 9 UEFI", "CentOS9UEFI");
  EXPECT_EQ(world_->source_power_state("Win2016"), "poweredOff");
  incus::IncusClient ic(world_->lab().endpoint());
  EXPECT_EQ(ic.instance("default", "Win2016").status, "Running");
  EXPECT_EQ(world_->store().get_batch("batch01")->status, "Finished");
}

// 001's batch01 rule: an instance without change tracking is blocked until the batch allows it,
// then copies fully inside the window; the other batch keeps what the first did not claim.
TEST_F(BatchFlow, WithoutChangeTrackingTheCopyHappensInsideTheWindow) {
  auto b1 = window_batch("batch01", "location matches 'Debian' or location matches 'Win2016'");
  world_->add_batch(b1);
  auto b2 = window_batch("batch02", "background_import");
  world_->add_batch(b2, false);
  ASSERT_TRUE(world_->wait_for([&] { return world_->stage("DebianBookworm") == "blocked"; }));
  EXPECT_EQ(world_->status("DebianBookworm"), "Blocked: Background import is not supported");
  b1["config"]["instance_restriction_overrides"]["allow_no_background_import"] = true;
  state::BatchRecord r = *world_->store().get_batch("batch01");
  r.config = b1.dump();
  world_->store().update_batch("batch01", r);
  world_->scheduler().wake();
  wait_stage("DebianBookworm", "idle");
  wait_stage("Win2016", "idle");
  world_->start_batch("batch02");
  // batch02 claims only what batch01 did not: CentOS 9 UEFI and SuseUEFI.
  ASSERT_TRUE(world_->wait_for([&] { return world_->store().list_queue().size() == 4; }));
  for (const auto& q : world_->store().list_queue()) {
    const bool first = q.instance_name == "DebianBookworm" || q.instance_name == "Win2016";
    EXPECT_EQ(q.batch_name, first ? "batch01" : "batch02") << q.instance_name;
  }
  world_->guest_write("Debian Bookworm", 3 << 20, 1 << 20, 201);
  world_->clock().set(at(1, 0));
  for (const char* name : {"DebianBookworm", "Win2016", "CentOS9UEFI", "SuseUEFI"}) {
    wait_stage(name, "finished", 90);
  }
  expect_same_disk("Debian Bookworm", "DebianBookworm");
  expect_same_disk("Win2016", "Win2016");
  expect_same_disk("SuseUEFI", "SuseUEFI");
  const auto ev = world_->event_types("DebianBookworm");
  EXPECT_EQ(std::count(ev.begin(), ev.end(), "background_import.started"), 0);
  EXPECT_EQ(std::count(ev.begin(), ev.end(), "final_import.completed"), 1);
}

// The same warm migration with the disks read over the vSphere datastore service (HTTPS range
// requests with the session cookie and the pinned certificate) instead of a mounted datastore.
TEST_F(BatchFlow, DisksReadOverTheDatastoreServiceArriveIntact) {
  world_.reset();
  world_ = std::make_unique<FlowWorld>(*LabEnvironment::lab, kModel, at(0, 30), true,
                                       /*mounted=*/false);
  world_->guest_write("Win2016", 0, 4 << 20, 11);
  world_->guest_write("Win2016", 10 << 20, 2 << 20, 12);
  world_->add_batch(window_batch("batch01", "location matches 'Win2016'"));
  wait_stage("Win2016", "idle");
  world_->guest_write("Win2016", 6 << 20, 1 << 20, 13);
  world_->clock().set(at(0, 50));
  ASSERT_TRUE(world_->wait_for([&] {
    const auto ev = world_->event_types("Win2016");
    return std::count(ev.begin(), ev.end(), "top_up.completed") == 1;
  })) << world_->history("Win2016");
  world_->guest_write("Win2016", 15 << 20, 64 << 10, 14);
  world_->clock().set(at(1, 0));
  wait_stage("Win2016", "finished");
  expect_same_disk("Win2016", "Win2016");
}

// An instance of the same name already on the target, not created by us, is never taken over.
TEST_F(BatchFlow, SomeoneElsesInstanceOfTheSameNameIsNotOverwritten) {
  incus::IncusClient ic(LabEnvironment::lab->endpoint());
  incus::InstanceSpec spec;
  spec.name = "Win2016";
  spec.disks.push_back({"root", "default", "/", "16MiB", "", {}});
  ic.create_instance("default", spec);
  world_->add_batch(window_batch("batch01", "location matches 'Win2016'"));
  ASSERT_TRUE(world_->wait_for([&] { return world_->stage("Win2016") == "error"; }))
      << world_->status("Win2016");
  EXPECT_EQ(world_->status("Win2016"),
            "Error: an instance named \"Win2016\" already exists in project \"default\" of "
            "target \"incus01\" and was not created by this migration");
}

// A window that ends during the final import: the copy stops, the source is powered back on with
// nothing lost, and the instance is migrated in its next window, the target re-synced.
TEST_F(BatchFlow, AMissedWindowPowersTheSourceBackOnAndTheNextWindowFinishes) {
  const char* model = R"json({
    "datastores": [{"name": "datastore-01", "path": "@DS@"}],
    "networks": [{"name": "VMWARE"}],
    "vms": [
      {"name": "Debian Bookworm", "instance_uuid": "52d89a93-ff8f-9dea-4d74-ec99beb1d2d4",
       "guest_id": "debian12_64Guest", "guest_os": "Debian GNU/Linux 12 (bookworm)",
       "cpus": 3, "memory_mb": 6144, "power_state": "poweredOn", "change_tracking": false,
       "disks": [{"capacity": 536870912}],
       "nics": [{"network": "VMWARE", "ips": ["10.10.0.13"]}]}
    ]})json";
  world_.reset();
  world_ = std::make_unique<FlowWorld>(*LabEnvironment::lab, model, at(0, 30));
  // Enough data that the final (full) copy is still running when the window ends.
  world_->guest_write("Debian Bookworm", 0, 384 << 20, 7);
  auto b = window_batch("batch01", "true");
  b["migration_windows"].push_back(
      {{"name", "window2"}, {"start", "2025-12-01T02:00:00Z"}, {"end", "2025-12-01T02:30:00Z"}});
  b["config"]["instance_restriction_overrides"]["allow_no_background_import"] = true;
  world_->add_batch(b);
  wait_stage("DebianBookworm", "idle");
  world_->set_time(at(1, 0));
  ASSERT_TRUE(
      world_->wait_for([&] { return world_->stage("DebianBookworm") == "final_import"; }, 30, 2));
  world_->set_time(at(1, 10));  // the window ends mid-copy
  ASSERT_TRUE(world_->wait_for([&] {
    const auto ev = world_->event_types("DebianBookworm");
    return std::count(ev.begin(), ev.end(), "source.powered_on") == 1;
  })) << world_->history("DebianBookworm");
  EXPECT_EQ(world_->stage("DebianBookworm"), "idle");
  EXPECT_EQ(world_->source_power_state("Debian Bookworm"), "poweredOn");
  EXPECT_EQ(world_->store().get_queue_entry(world_->uuid_of("DebianBookworm"))->window_name,
            "window2");
  // The guest runs on and writes; the next window copies it all.
  world_->guest_write("Debian Bookworm", 400 << 20, 8 << 20, 8);
  world_->set_time(at(2, 0));
  wait_stage("DebianBookworm", "finished");
  expect_same_disk("Debian Bookworm", "DebianBookworm");
  const auto ev = world_->event_types("DebianBookworm");
  EXPECT_EQ(std::count(ev.begin(), ev.end(), "window.missed"), 1);
  EXPECT_EQ(std::count(ev.begin(), ev.end(), "final_import.started"), 2);
  EXPECT_EQ(std::count(ev.begin(), ev.end(), "final_import.completed"), 1);
  EXPECT_EQ(world_->source_power_state("Debian Bookworm"), "poweredOff");
}

}  // namespace
}  // namespace mm::test

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::AddGlobalTestEnvironment(new mm::test::LabEnvironment);
  return RUN_ALL_TESTS();
}
