// The inventory mapping as a pure function: a source's VMs and networks turned into rows in the
// reference tool's shapes, warnings with its wording, uuids kept across syncs, overrides applied.
#include <gtest/gtest.h>

#include <set>

#include <nlohmann/json.hpp>

#include "orchestrator/inventory/clock.h"
#include "orchestrator/inventory/instance_view.h"
#include "orchestrator/inventory/mapping.h"
#include "orchestrator/inventory/overrides.h"
#include "tests/inventory/fake_connectors.h"

namespace mm::inventory {
namespace {

using nlohmann::json;

state::SourceRecord esxi01() {
  state::SourceRecord s;
  s.id = 1;
  s.name = "esxi01";
  return s;
}

std::set<std::string> keys(const json& j) {
  std::set<std::string> out;
  for (const auto& item : j.items()) out.insert(item.key());
  return out;
}

const state::WarningRecord* find_warning(const SyncPlan& p, const std::string& type) {
  for (const auto& w : p.warnings) {
    if (w.type == type) return &w;
  }
  return nullptr;
}

TEST(InventoryMapping, InstancesInReferenceShape) {
  const SyncPlan p =
      plan_sync(test::esxi_inventory(), esxi01(), {}, {}, {}, "2025-11-18T00:00:00Z");
  ASSERT_EQ(p.instances.size(), 3u);
  const state::InstanceRecord& win = p.instances[0];
  EXPECT_EQ(win.uuid, "52cfcb6b-20ee-add3-adc9-68c63ca9adfd");
  EXPECT_EQ(win.inventory_path, "/ha-datacenter/vm/Win2016");
  EXPECT_EQ(win.os_version, "Windows Server 2016, 64-bit (Build 14393.693)");
  EXPECT_EQ(win.memory_bytes, int64_t{4} << 30);
  EXPECT_TRUE(win.background_import);
  EXPECT_EQ(win.last_update_from_source, "2025-11-18T00:00:00Z");

  const json v = instance_view(win, true);
  // api.InstanceProperties, flattened, plus the newer reference's source_specific_id.
  EXPECT_EQ(keys(v),
            (std::set<std::string>{"uuid", "source_specific_id", "name", "description", "cpus",
                                   "memory", "config", "os", "os_version", "architecture",
                                   "location", "secure_boot", "legacy_boot", "tpm", "running",
                                   "background_import", "nics", "disks", "snapshots"}));
  EXPECT_EQ(v["source_specific_id"], "vm-11");
  EXPECT_EQ(v["running"], true);
  ASSERT_EQ(v["disks"].size(), 1u);
  EXPECT_EQ(keys(v["disks"][0]),
            (std::set<std::string>{"capacity", "name", "shared", "supported"}));
  EXPECT_EQ(v["disks"][0]["name"], "[datastore1] Win2016/Win2016.vmdk");
  EXPECT_EQ(v["disks"][0]["capacity"], int64_t{16} << 30);
  ASSERT_EQ(v["nics"].size(), 1u);
  EXPECT_EQ(keys(v["nics"][0]),
            (std::set<std::string>{"uuid", "source_specific_id", "hardware_address", "location",
                                   "ipv4_address", "ipv6_address"}));
  EXPECT_EQ(v["nics"][0]["source_specific_id"], "HaNetwork-VMWARE");
  EXPECT_EQ(v["nics"][0]["location"], "/ha-datacenter/network/VMWARE");
  EXPECT_EQ(v["nics"][0]["ipv4_address"], "10.0.0.11");
  EXPECT_EQ(v["snapshots"], json::parse(R"([{"name":"before-upgrade"}])"));
  // No guest agent: the architecture falls back to x86_64 as the reference does.
  EXPECT_EQ(p.instances[1].architecture, "x86_64");
  EXPECT_FALSE(p.instances[2].background_import);
}

TEST(InventoryMapping, WarningsWithReferenceWording) {
  const SyncPlan p = plan_sync(test::esxi_inventory(), esxi01(), {}, {}, {}, now_rfc3339());
  const auto* inc = find_warning(p, "Instances partially imported");
  ASSERT_NE(inc, nullptr);
  EXPECT_EQ(inc->scope, "sync");
  EXPECT_EQ(inc->entity_type, "source");
  EXPECT_EQ(inc->entity, "esxi01");
  EXPECT_EQ(inc->messages,
            std::vector<std::string>{"\"/ha-datacenter/vm/Ubuntu 2404\" has incomplete properties. "
                                     "Ensure VM is powered on and guest agent is running"});
  const auto* res = find_warning(p, "Instance migration is restricted");
  ASSERT_NE(res, nullptr);
  EXPECT_EQ(res->messages,
            (std::vector<std::string>{
                "\"/ha-datacenter/vm/Ubuntu 2404\": Could not determine instance OS, check if "
                "guest agent is running",
                "\"/ha-datacenter/vm/Debian Bookworm\": Background import is not supported"}));
}

TEST(InventoryMapping, UnsupportedDisksAndNoAddresses) {
  source::Inventory inv = test::esxi_inventory();
  inv.vms.resize(1);
  inv.vms[0].disks[0].disk_mode = "independent_persistent";
  EXPECT_FALSE(disk_supported(inv.vms[0].disks[0]));
  SyncPlan p = plan_sync(inv, esxi01(), {}, {}, {}, now_rfc3339());
  EXPECT_FALSE(p.instances[0].background_import);
  EXPECT_EQ(instance_view(p.instances[0], true)["disks"][0]["supported"], false);

  // With background import forced on by an override-free record, the disk is the reason.
  state::InstanceRecord r = p.instances[0];
  r.background_import = true;
  EXPECT_EQ(restriction(instance_view(r, true), {}),
            "Disk \"[datastore1] Win2016/Win2016.vmdk\" does not support snapshots");

  inv = test::esxi_inventory();
  inv.vms.resize(1);
  inv.vms[0].nics[0].ipv4.clear();
  p = plan_sync(inv, esxi01(), {}, {}, {}, now_rfc3339());
  ASSERT_NE(find_warning(p, "Instance migration is restricted"), nullptr);
  EXPECT_EQ(find_warning(p, "Instance migration is restricted")->messages[0],
            "\"/ha-datacenter/vm/Win2016\": Could not determine instance IP, check if guest agent "
            "is running");
  EXPECT_NE(find_warning(p, "Instances partially imported"), nullptr);
}

TEST(InventoryMapping, NetworksOnlyWhenUsedWithStableUuids) {
  SyncPlan first = plan_sync(test::esxi_inventory(), esxi01(), {}, {}, {}, now_rfc3339());
  ASSERT_EQ(first.networks.size(), 1u);  // the unused port group is not recorded
  const state::NetworkRecord& net = first.networks[0];
  EXPECT_EQ(net.identifier, "HaNetwork-VMWARE");
  EXPECT_EQ(net.type, "standard");
  EXPECT_EQ(net.location, "/ha-datacenter/network/VMWARE");
  EXPECT_EQ(net.uuid.size(), 36u);
  EXPECT_EQ(instance_view(first.instances[0], false)["nics"][0]["uuid"], net.uuid);
  EXPECT_EQ(default_placement(net).network, "VMWARE");
  EXPECT_EQ(default_placement(net).nictype, "managed");

  // The next sync keeps the uuid; another source's network with the same identifier does not.
  SyncPlan second = plan_sync(test::esxi_inventory(), esxi01(), first.instances, first.networks, {},
                              now_rfc3339());
  EXPECT_EQ(second.networks[0].uuid, net.uuid);
  state::SourceRecord other = esxi01();
  other.id = 2;
  other.name = "esxi02";
  source::Inventory inv = test::esxi_inventory();
  for (auto& vm : inv.vms) vm.uuid += "-2";
  SyncPlan third = plan_sync(inv, other, {}, first.networks, {}, now_rfc3339());
  EXPECT_NE(third.networks[0].uuid, net.uuid);
}

TEST(InventoryMapping, KeepsWhatTheGuestAgentNoLongerReports) {
  SyncPlan first = plan_sync(test::esxi_inventory(), esxi01(), {}, {}, {}, now_rfc3339());
  source::Inventory off = test::esxi_inventory();
  off.vms[0].os_version.clear();
  off.vms[0].os.clear();
  off.vms[0].nics[0].ipv4.clear();
  off.vms[0].power_state = "poweredOff";
  SyncPlan second = plan_sync(off, esxi01(), first.instances, first.networks, {}, now_rfc3339());
  const json v = instance_view(second.instances[0], true);
  EXPECT_EQ(v["os_version"], "Windows Server 2016, 64-bit (Build 14393.693)");
  EXPECT_EQ(v["nics"][0]["ipv4_address"], "10.0.0.11");
  EXPECT_EQ(v["running"], false);
}

TEST(InventoryMapping, OverridesLiftRestrictions) {
  SyncPlan first = plan_sync(test::esxi_inventory(), esxi01(), {}, {}, {}, now_rfc3339());
  std::vector<state::InstanceRecord> existing = first.instances;
  InstanceOverride o;
  o.last_update = now_rfc3339();
  o.properties.os = "Ubuntu";
  o.properties.os_version = "Ubuntu 24.04 (Noble)";
  o.properties.cpus = 8;
  existing[1].override_json = to_json(o).dump();
  InstanceOverride ignore;
  ignore.ignore_restrictions = true;
  existing[2].override_json = to_json(ignore).dump();

  SyncPlan p =
      plan_sync(test::esxi_inventory(), esxi01(), existing, first.networks, {}, now_rfc3339());
  // Ubuntu still lacks an address (no guest agent); Debian's restriction is ignored.
  const auto* res = find_warning(p, "Instance migration is restricted");
  ASSERT_NE(res, nullptr);
  EXPECT_EQ(res->messages, std::vector<std::string>{
                               "\"/ha-datacenter/vm/Ubuntu 2404\": Could not determine instance "
                               "IP, check if guest agent is running"});
  // The sync carries the override along; the view applies it.
  const json v = instance_view(p.instances[1], true);
  EXPECT_EQ(v["os_version"], "Ubuntu 24.04 (Noble)");
  EXPECT_EQ(v["cpus"], 8);
  EXPECT_EQ(instance_view(p.instances[1], false)["cpus"], 2);

  InstanceOverride off;
  off.disable_migration = true;
  EXPECT_EQ(restriction(instance_view(p.instances[0], true), off),
            "Migration is manually disabled");
}

TEST(InventoryMapping, DuplicateUuidsAreSkipped) {
  source::Inventory inv = test::esxi_inventory();
  inv.vms.push_back(inv.vms[0]);
  inv.vms.back().location = "/ha-datacenter/vm/Copy";
  SyncPlan p = plan_sync(inv, esxi01(), {}, {}, {}, now_rfc3339());
  EXPECT_EQ(p.instances.size(), 3u);
  ASSERT_NE(find_warning(p, "Instances not imported"), nullptr);
  EXPECT_EQ(find_warning(p, "Instances not imported")->messages[0],
            "Duplicate UUIDs: \"52cfcb6b-20ee-add3-adc9-68c63ca9adfd\". Skipped instance "
            "\"/ha-datacenter/vm/Copy\", keeping instance \"/ha-datacenter/vm/Win2016\"");

  // Another source that already owns the UUID keeps it.
  state::SourceRecord other = esxi01();
  other.id = 2;
  other.name = "esxi02";
  SyncPlan q =
      plan_sync(test::esxi_inventory(), other, p.instances, {}, {{1, "esxi01"}}, now_rfc3339());
  EXPECT_TRUE(q.instances.empty());
  EXPECT_NE(find_warning(q, "Instances not imported")->messages[0].find("on source \"esxi01\""),
            std::string::npos);
}

TEST(InventoryClock, TimesAsGoPrintsThem) {
  const std::string t = format_rfc3339(std::chrono::system_clock::time_point(
      std::chrono::nanoseconds(int64_t{1763509643} * 1000000000 + 992054737)));
  EXPECT_EQ(t, "2025-11-18T23:47:23.992054737Z");
}

}  // namespace
}  // namespace mm::inventory
