// 001 end to end: two sources (esxi01, vcenter01 — each its own simulator; vcenter01's disks are
// read over the datastore service), two targets (incus01, incus02: the lab registered twice), two
// batches sharing instances, a placement scriptlet, restrictions lifted by editing the batch, a
// minimum boot time choosing the long window and a one-at-a-time constraint. The matched and
// claimed instances are the document's, and every disk arrives with its source's digest.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "orchestrator/batch/batch_json.h"
#include "orchestrator/batch/batch_yaml.h"
#include "tests/flows/flow_world.h"
#include "tests/flows/lab_environment.h"

namespace mm::test {
namespace {

using migration::TimePoint;
using nlohmann::json;

const char* kEsxi = R"json({
  "datastores": [{"name": "datastore-01", "path": "@DS@"}],
  "networks": [{"name": "VMWARE"}],
  "vms": [
    {"name": "Win2016", "instance_uuid": "52cfcb6b-20ee-add3-adc9-68c63ca9adfd",
     "guest_id": "windows9Server64Guest", "guest_os": "Windows Server 2016, 64-bit (Build 14393.693)",
     "cpus": 2, "memory_mb": 4096, "power_state": "poweredOn", "change_tracking": true,
     "disks": [{"capacity": 16777216}], "nics": [{"network": "VMWARE", "ips": ["10.10.0.11"]}]},
    {"name": "SuseUEFI", "instance_uuid": "5298cc11-96ea-4f50-b018-6d80bfdaa7d9",
     "guest_id": "opensuse64Guest", "guest_os": "openSUSE Leap 15.6", "firmware": "efi",
     "cpus": 3, "memory_mb": 6144, "power_state": "poweredOn", "change_tracking": true,
     "disks": [{"capacity": 16777216}], "nics": [{"network": "VMWARE", "ips": ["10.10.0.15"]}]}
  ]})json";

const char* kVcenter = R"json({
  "datacenter": "vc01",
  "datastores": [{"name": "datastore-02", "path": "@DS@"}],
  "folders": ["Incus migrations", "other"],
  "networks": [{"name": "VMNET"}],
  "vms": [
    {"name": "Ubuntu 2404", "folder": "Incus migrations",
     "instance_uuid": "52d5cfe0-d341-82d9-3f23-4149687b4e3e",
     "guest_id": "ubuntu64Guest", "guest_os": "Ubuntu Linux (64-bit)", "tools_running": false,
     "cpus": 2, "memory_mb": 4096, "power_state": "poweredOn", "change_tracking": true,
     "disks": [{"capacity": 16777216}], "nics": [{"network": "VMNET"}]},
    {"name": "Debian Bookworm", "folder": "Incus migrations",
     "instance_uuid": "52d89a93-ff8f-9dea-4d74-ec99beb1d2d4",
     "guest_id": "debian12_64Guest", "guest_os": "Debian GNU/Linux 12 (bookworm)",
     "cpus": 3, "memory_mb": 6144, "power_state": "poweredOn", "change_tracking": false,
     "disks": [{"capacity": 16777216}], "nics": [{"network": "VMNET", "ips": ["10.20.0.13"]}]},
    {"name": "Cent OS 9 UEFI", "folder": "Incus migrations",
     "instance_uuid": "5263adbf-dbca-eb36-3019-b09743f40b6d",
     "guest_id": "centos9_64Guest", "guest_os": "CentOS Stream 9", "firmware": "efi",
     "cpus": 6, "memory_mb": 6144, "power_state": "poweredOn", "change_tracking": true,
     "disks": [{"capacity": 16777216}], "nics": [{"network": "VMNET", "ips": ["10.20.0.14"]}]},
    {"name": "CentOS9", "folder": "other", "instance_uuid": "2f83c3b1-7966-4ff7-a671-79f163f28b3e",
     "guest_id": "centos9_64Guest", "guest_os": "CentOS Stream 9",
     "cpus": 6, "memory_mb": 6144, "power_state": "poweredOn", "change_tracking": true,
     "disks": [{"capacity": 16777216}], "nics": [{"network": "VMNET", "ips": ["10.20.0.15"]}]}
  ]})json";

// The document's batches as `batch edit` takes them (scriptlets indented as in the reference docs).
const char* kBatch01 = R"yaml(name: batch01
include_expression: "location matches '/Incus migrations/' and source == 'vcenter01'"
migration_windows:
  - name: window1
    start: 2025-12-01 01:00:00
    end: 2025-12-01 01:10:00
  - name: window2
    start: 2025-12-01 01:00:00
    end: 2025-12-01 03:00:00
constraints:
  - name: constraint1
    description: Background import requires at least 1 hour windows (window2)
    include_expression: background_import == false
    min_instance_boot_time: 1h
defaults:
  placement:
    target: incus01
    target_project: default
    storage_pool: default
  migration_network: []
config:
  rerun_scriptlets: false
  placement_scriptlet: |
    def placement(instance, batch):
        if instance.os_version.startswith("CentOS"):
            set_target("incus02")
  post_migration_retries: 5
  instance_restriction_overrides:
    allow_unknown_os: false
    allow_no_ipv4: false
    allow_no_background_import: false
  background_sync_interval: 1h
  final_background_sync_limit: 1h
)yaml";

const char* kBatch02 = R"yaml(name: batch02
include_expression: "background_import"
migration_windows:
  - name: window1
    start: 2025-12-01 01:00:00
    end: 2025-12-01 01:10:00
  - name: window2
    start: 2025-12-01 02:00:00
    end: 2025-12-01 02:10:00
constraints:
  - name: constraint1
    description: Migrate esxi01 VMs one at a time
    include_expression: source == 'esxi01'
    max_concurrent_instances: 1
defaults:
  placement:
    target: incus01
    target_project: default
    storage_pool: default
  migration_network: []
config:
  rerun_scriptlets: false
  placement_scriptlet: |
    def placement(instance, batch):
        for disk in instance.properties.disks:
            if disk.capacity >= (1024 * 1024 * 1024 * 100):
                set_pool(disk.name, 'pool02')
  post_migration_retries: 5
  instance_restriction_overrides:
    allow_unknown_os: false
    allow_no_ipv4: false
    allow_no_background_import: false
  background_sync_interval: 30m
  final_background_sync_limit: 10m
)yaml";

json batch_json(const char* yaml) {
  return batch::batch_to_json(batch::parse_batch_yaml(yaml));
}

TEST(Document001, TwoSourcesTwoTargetsTwoBatches) {
  ASSERT_TRUE(LabEnvironment::lab);
  struct Clean {
    ~Clean() { LabEnvironment::clean(); }
  } clean;
  FlowWorld w(*LabEnvironment::lab, kEsxi, at(0, 0));
  VmwareSim& vc = w.add_source("vcenter01", "vcenter", kVcenter);
  w.add_target("incus02");
  uint32_t seed = 100;
  for (const char* vm : {"Win2016", "SuseUEFI"}) w.guest_write(vm, 0, 2 << 20, seed++);
  for (const char* vm : {"Ubuntu 2404", "Debian Bookworm", "Cent OS 9 UEFI", "CentOS9"}) {
    w.guest_write(vc, vm, 1 << 20, 3 << 20, seed++);
  }
  // The document's override: Ubuntu 2404 has no guest agent, its OS is set by hand.
  w.store().set_instance_override(
      "52d5cfe0-d341-82d9-3f23-4149687b4e3e",
      R"json({"comment":"Override OS and OS version (no VMware guest agent)",
          "properties":{"os":"Ubuntu","os_version":"Ubuntu 24.04 (Noble)"}})json");

  w.add_batch(batch_json(kBatch01));
  w.add_batch(batch_json(kBatch02), /*start=*/false);
  // batch01 claims the three instances under Incus migrations; two are restricted.
  ASSERT_TRUE(w.wait_for([&] { return w.store().list_queue().size() == 3; }));
  ASSERT_TRUE(w.wait_for([&] { return w.stage("DebianBookworm") == "blocked"; }));
  ASSERT_TRUE(w.wait_for([&] { return w.stage("Ubuntu2404") == "blocked"; }));
  EXPECT_EQ(w.status("DebianBookworm"), "Blocked: Background import is not supported");
  EXPECT_EQ(w.status("Ubuntu2404"),
            "Blocked: Could not determine instance IP, check if guest agent is running");
  ASSERT_TRUE(w.wait_for([&] { return w.stage("CentOS9UEFI") == "idle"; }))
      << w.status("CentOS9UEFI") << "\n"
      << w.history("CentOS9UEFI");

  // The document's edit: allow no IPv4 and no background import.
  json b1 = batch_json(kBatch01);
  b1["config"]["instance_restriction_overrides"]["allow_no_ipv4"] = true;
  b1["config"]["instance_restriction_overrides"]["allow_no_background_import"] = true;
  state::BatchRecord r = *w.store().get_batch("batch01");
  r.config = b1.dump();
  w.store().update_batch("batch01", r);
  w.scheduler().wake();
  ASSERT_TRUE(w.wait_for([&] { return w.stage("DebianBookworm") == "idle"; }))
      << w.status("DebianBookworm");
  EXPECT_EQ(w.status("DebianBookworm"), "Idle: Waiting for migration window");
  ASSERT_TRUE(w.wait_for([&] { return w.stage("Ubuntu2404") == "idle"; }))
      << w.status("Ubuntu2404") << "\n"
      << w.history("Ubuntu2404");

  // batch02 gets what batch01 did not claim: CentOS9, SuseUEFI, Win2016.
  w.start_batch("batch02");
  ASSERT_TRUE(w.wait_for([&] { return w.store().list_queue().size() == 6; }));
  std::map<std::string, std::string> batch_of, window_of, target_of;
  auto refresh = [&] {
    for (const auto& q : w.store().list_queue()) {
      batch_of[q.instance_name] = q.batch_name;
      window_of[q.instance_name] = q.window_name;
      target_of[q.instance_name] = migration::parse_queue_data(q.data).target;
    }
  };
  refresh();
  EXPECT_EQ(batch_of, (std::map<std::string, std::string>{{"CentOS9", "batch02"},
                                                          {"CentOS9UEFI", "batch01"},
                                                          {"DebianBookworm", "batch01"},
                                                          {"SuseUEFI", "batch02"},
                                                          {"Ubuntu2404", "batch01"},
                                                          {"Win2016", "batch02"}}));
  for (const char* n : {"CentOS9", "SuseUEFI", "Win2016"}) {
    ASSERT_TRUE(w.wait_for([&] { return w.stage(n) == "idle"; })) << n << ": " << w.status(n);
  }
  refresh();
  // The queue's windows as 001 shows them: Debian (no background import) gets the 2-hour window.
  EXPECT_EQ(window_of["DebianBookworm"], "window2");
  EXPECT_EQ(window_of["CentOS9UEFI"], "window1");
  EXPECT_EQ(window_of["Win2016"], "window1");
  // The scriptlet sends CentOS to incus02.
  EXPECT_EQ(target_of["CentOS9UEFI"], "incus02");
  EXPECT_EQ(target_of["Ubuntu2404"], "incus01");

  w.guest_write(vc, "Cent OS 9 UEFI", 8 << 20, 1 << 20, 200);
  w.guest_write("Win2016", 9 << 20, 1 << 20, 201);
  w.clock().set(at(1, 0));
  // esxi01's instances go one at a time (constraint1 of batch02): never both in their final stages.
  bool both_final = false;
  ASSERT_TRUE(w.wait_for(
      [&] {
        const bool win =
            w.stage("Win2016") == "final_import" || w.stage("Win2016") == "post_migration";
        const bool suse =
            w.stage("SuseUEFI") == "final_import" || w.stage("SuseUEFI") == "post_migration";
        both_final = both_final || (win && suse);
        for (const char* n :
             {"CentOS9", "CentOS9UEFI", "DebianBookworm", "SuseUEFI", "Ubuntu2404", "Win2016"}) {
          if (w.stage(n) != "finished") return false;
        }
        return true;
      },
      120, 5));
  EXPECT_FALSE(both_final);
  for (const char* n : {"Win2016", "SuseUEFI"}) {
    EXPECT_EQ(FlowWorld::digest(w.flat_image(n)), FlowWorld::digest(w.target_root_path(n))) << n;
  }
  for (const auto& [vm, name] :
       std::map<std::string, std::string>{{"Ubuntu 2404", "Ubuntu2404"},
                                          {"Debian Bookworm", "DebianBookworm"},
                                          {"Cent OS 9 UEFI", "CentOS9UEFI"},
                                          {"CentOS9", "CentOS9"}}) {
    EXPECT_EQ(FlowWorld::digest(w.flat_image(vc, vm)), FlowWorld::digest(w.target_root_path(name)))
        << vm;
  }
  EXPECT_EQ(w.store().get_batch("batch01")->status, "Finished");
  EXPECT_EQ(w.store().get_batch("batch02")->status, "Finished");
}

}  // namespace
}  // namespace mm::test
