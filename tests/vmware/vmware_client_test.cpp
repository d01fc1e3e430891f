// The VMware client against the simulator (real vim25 SOAP over TLS): inventory of an ESXi host
// and a vCenter equal to the model, login and certificate failures, paging, power, snapshots,
// change tracking and QueryChangedDiskAreas through cbt::changed_areas.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <functional>
#include <regex>
#include <string>

#include "cbt/changed_areas_reply.h"
#include "cbt/vmware_changed_areas.h"
#include "orchestrator/vmware/soap_transport.h"
#include "orchestrator/vmware/vmware_client.h"
#include "tests/vmware/vmware_sim_fixture.h"

namespace mm::vmware {
namespace {

using source::SourceError;
using test::VmwareSim;

constexpr int64_t kMiB = 1 << 20;

const char* kVcenterModel = R"json({
  "datacenter": "Lab", "datacenter_folder": "Europe", "cluster": "Cluster1",
  "hosts": ["esxi01.lab.test", "esxi02.lab.test"],
  "datastores": [{"name": "datastore1", "path": "@DS@"}],
  "folders": ["prod/web", "test"],
  "networks": [
    {"name": "VM Network", "type": "standard"},
    {"name": "Backup", "type": "standard", "vlan": 20},
    {"name": "pg-prod", "type": "distributed", "switch": "DSwitch-Prod", "vlan": 100, "folder": "dvs"}
  ],
  "vms": [
    {"name": "web01", "folder": "prod/web", "annotation": "front end & <cache>",
     "uuid": "4211aaaa-0000-0000-0000-000000000001", "instance_uuid": "5011aaaa-0000-0000-0000-000000000001",
     "guest_id": "ubuntu64Guest", "guest_os": "Ubuntu Linux (64-bit)", "hostname": "web01.lab.test",
     "cpus": 2, "memory_mb": 2048, "firmware": "efi", "secure_boot": true, "tpm": true,
     "power_state": "poweredOn", "change_tracking": true,
     "disks": [{"key": 2000, "capacity": 1073741824},
               {"key": 2001, "capacity": 268435456, "mode": "independent_persistent"},
               {"key": 2002, "capacity": 1048576, "sharing": "sharingMultiWriter"}],
     "nics": [{"mac": "00:50:56:aa:bb:01", "network": "pg-prod", "ips": ["10.0.100.11", "fd00::11"]},
              {"mac": "00:50:56:aa:bb:02", "network": "Backup", "type": "e1000e", "ips": ["10.0.20.11"]}],
     "snapshots": [{"name": "base", "children": [{"name": "migration"}]}]},
    {"name": "db01", "folder": "test",
     "uuid": "4211aaaa-0000-0000-0000-000000000002", "instance_uuid": "5011aaaa-0000-0000-0000-000000000002",
     "guest_id": "windows2019srv_64Guest", "guest_os": "Microsoft Windows Server 2019 (64-bit)",
     "cpus": 4, "memory_mb": 8192, "power_state": "poweredOff", "tools_running": false,
     "disks": [{"capacity": 2147483648, "controller": "lsilogic-sas"},
               {"capacity": 1048576, "controller": "lsilogic-sas", "rdm": "physicalMode"}],
     "nics": [{"mac": "00:50:56:aa:bb:03", "network": "VM Network"}]}
  ]})json";

const char* kEsxiModel = R"json({
  "datastores": [{"name": "datastore1", "path": "@DS@"}],
  "networks": [{"name": "VM Network"}, {"name": "Backup", "vlan": 20, "switch": "vSwitch0"}],
  "vms": [
    {"name": "Win2016", "instance_uuid": "5011bbbb-0000-0000-0000-000000000001",
     "guest_id": "windows9Server64Guest", "guest_os": "Microsoft Windows Server 2016 (64-bit)",
     "cpus": 2, "memory_mb": 4096, "power_state": "poweredOn",
     "disks": [{"capacity": 4194304}],
     "nics": [{"mac": "00:50:56:bb:00:01", "network": "Backup", "ips": ["192.168.20.5"]}]},
    {"name": "app", "instance_uuid": "5011bbbb-0000-0000-0000-000000000002",
     "guest_id": "otherGuest", "memory_mb": 64, "disks": [{"capacity": 1048576}]}
  ]})json";

// One VM with a small tracked disk, for the CBT and operation tests.
const char* kCbtModel = R"json({
  "datastores": [{"name": "datastore1", "path": "@DS@"}],
  "vms": [{"name": "cbt01", "change_tracking": true, "disks": [{"key": 2000, "capacity": 67108864}]},
          {"name": "plain01", "power_state": "poweredOn", "disks": [{"key": 2000, "capacity": 1048576}]}]
  })json";

const source::VmInfo& vm_named(const source::Inventory& inv, const std::string& name) {
  for (const auto& vm : inv.vms) {
    if (vm.name == name) return vm;
  }
  throw std::runtime_error("no VM " + name);
}

const source::NetworkInfo& network_named(const source::Inventory& inv, const std::string& name) {
  for (const auto& n : inv.networks) {
    if (n.name == name) return n;
  }
  throw std::runtime_error("no network " + name);
}

source::Inventory read(const VmwareSim& sim, SessionOptions options = {}) {
  VmwareClient client(sim.endpoint(), options);
  return client.inventory();
}

SourceError::Kind kind_of(const std::function<void()>& f, std::string* fingerprint = nullptr) {
  try {
    f();
  } catch (const SourceError& e) {
    if (fingerprint) *fingerprint = e.fingerprint();
    return e.kind();
  }
  throw std::runtime_error("no SourceError");
}

const std::regex kChangeId("52( [0-9a-f]{2}){7}-[0-9a-f]{2}( [0-9a-f]{2}){7}/[0-9]+");

TEST(VmwareClient, VcenterInventoryEqualsTheModel) {
  VmwareSim sim("vcenter", kVcenterModel);
  VmwareClient client(sim.endpoint());
  client.connect();
  EXPECT_FALSE(client.is_esxi());
  const source::Inventory inv = client.inventory();
  ASSERT_EQ(inv.vms.size(), 2u);

  const auto& pg = network_named(inv, "pg-prod");
  EXPECT_EQ(pg.location, "/Europe/Lab/network/dvs/pg-prod");
  EXPECT_EQ(pg.type, "distributed");
  EXPECT_EQ(pg.vlan_id, 100);
  EXPECT_EQ(pg.switch_name, "DSwitch-Prod");
  EXPECT_TRUE(pg.identifier.starts_with("dvportgroup-")) << pg.identifier;
  const auto& backup = network_named(inv, "Backup");
  EXPECT_EQ(backup.location, "/Europe/Lab/network/Backup");
  EXPECT_EQ(backup.type, "standard");
  EXPECT_EQ(backup.vlan_id, 20);
  EXPECT_EQ(backup.switch_name, "vSwitch0");
  EXPECT_TRUE(backup.identifier.starts_with("network-")) << backup.identifier;
  const auto& vmnet = network_named(inv, "VM Network");
  EXPECT_EQ(vmnet.location, "/Europe/Lab/network/VM Network");
  EXPECT_EQ(vmnet.vlan_id, 0);
  // The switch's uplink port group is a network of the inventory too (the simulator does not
  // mark it as vCenter 7 does).
  ASSERT_EQ(inv.networks.size(), 4u);
  EXPECT_EQ(inv.networks[2].location.substr(0, 36), "/Europe/Lab/network/dvs/DSwitch-Prod");

  const auto& web = vm_named(inv, "web01");
  EXPECT_TRUE(web.moref.starts_with("vm-")) << web.moref;
  EXPECT_EQ(web.uuid, "5011aaaa-0000-0000-0000-000000000001");
  EXPECT_EQ(web.location, "/Europe/Lab/vm/prod/web/web01");
  EXPECT_EQ(web.description, "front end & <cache>");
  EXPECT_EQ(web.guest_id, "ubuntu64Guest");
  EXPECT_EQ(web.guest_full_name, "Ubuntu Linux (64-bit)");
  EXPECT_EQ(web.os, "ubuntu64");
  EXPECT_EQ(web.os_version, "Ubuntu Linux (64-bit)");
  EXPECT_EQ(web.architecture, "x86_64");
  EXPECT_EQ(web.cpus, 2);
  EXPECT_EQ(web.memory_bytes, 2048 * kMiB);
  EXPECT_FALSE(web.legacy_boot);
  EXPECT_TRUE(web.secure_boot);
  EXPECT_TRUE(web.tpm);
  EXPECT_EQ(web.power_state, "poweredOn");
  EXPECT_TRUE(web.change_tracking);
  EXPECT_TRUE(web.guest_info_complete);
  ASSERT_EQ(web.disks.size(), 3u);
  const char* files[] = {"[datastore1] web01/web01.vmdk", "[datastore1] web01/web01_1.vmdk",
                         "[datastore1] web01/web01_2.vmdk"};
  const int64_t capacities[] = {1024 * kMiB, 256 * kMiB, kMiB};
  const char* modes[] = {"persistent", "independent_persistent", "persistent"};
  for (int i = 0; i < 3; ++i) {
    const auto& d = web.disks[i];
    EXPECT_EQ(d.device_key, 2000 + i);
    EXPECT_EQ(d.capacity_bytes, capacities[i]);
    EXPECT_EQ(d.backing_file, files[i]);
    EXPECT_EQ(d.disk_mode, modes[i]);
    EXPECT_EQ(d.shared, i == 2);
    EXPECT_FALSE(d.rdm);
    EXPECT_FALSE(d.name.empty());
    EXPECT_TRUE(std::regex_match(d.change_id, kChangeId)) << d.change_id;
  }
  ASSERT_EQ(web.nics.size(), 2u);
  EXPECT_EQ(web.nics[0].mac, "00:50:56:aa:bb:01");
  EXPECT_EQ(web.nics[0].network_id, pg.identifier);
  EXPECT_EQ(web.nics[0].network_name, "pg-prod");
  EXPECT_EQ(web.nics[0].adapter_type, "vmxnet3");
  EXPECT_EQ(web.nics[0].ipv4, std::vector<std::string>{"10.0.100.11"});
  EXPECT_EQ(web.nics[0].ipv6, std::vector<std::string>{"fd00::11"});
  EXPECT_EQ(web.nics[1].mac, "00:50:56:aa:bb:02");
  EXPECT_EQ(web.nics[1].network_id, backup.identifier);
  EXPECT_EQ(web.nics[1].network_name, "Backup");
  EXPECT_EQ(web.nics[1].adapter_type, "e1000e");
  EXPECT_EQ(web.nics[1].ipv4, std::vector<std::string>{"10.0.20.11"});
  EXPECT_TRUE(web.nics[1].ipv6.empty());
  ASSERT_EQ(web.snapshots.size(), 2u);
  EXPECT_EQ(web.snapshots[0].name, "base");
  EXPECT_EQ(web.snapshots[0].parent, "");
  EXPECT_EQ(web.snapshots[1].name, "migration");
  EXPECT_EQ(web.snapshots[1].parent, web.snapshots[0].moref);
  EXPECT_EQ(web.current_snapshot, web.snapshots[1].moref);
  EXPECT_TRUE(web.snapshots[0].moref.starts_with("snapshot-"));
  EXPECT_FALSE(web.snapshots[0].created.empty());

  const auto& db = vm_named(inv, "db01");
  EXPECT_EQ(db.uuid, "5011aaaa-0000-0000-0000-000000000002");
  EXPECT_EQ(db.location, "/Europe/Lab/vm/test/db01");
  EXPECT_EQ(db.guest_full_name, "Microsoft Windows Server 2019 (64-bit)");
  // Off, so no Tools: the guest-reported OS is unknown; the configured one is guest_full_name.
  EXPECT_EQ(db.os, "");
  EXPECT_EQ(db.os_version, "");
  EXPECT_EQ(db.cpus, 4);
  EXPECT_EQ(db.memory_bytes, 8192 * kMiB);
  EXPECT_TRUE(db.legacy_boot);
  EXPECT_FALSE(db.secure_boot);
  EXPECT_FALSE(db.tpm);
  EXPECT_EQ(db.power_state, "poweredOff");
  EXPECT_FALSE(db.change_tracking);
  EXPECT_FALSE(db.guest_info_complete);
  ASSERT_EQ(db.disks.size(), 2u);
  EXPECT_EQ(db.disks[0].device_key, 2000);
  EXPECT_EQ(db.disks[0].capacity_bytes, 2048 * kMiB);
  EXPECT_FALSE(db.disks[0].rdm);
  EXPECT_EQ(db.disks[0].change_id, "");
  EXPECT_EQ(db.disks[1].device_key, 2001);
  EXPECT_TRUE(db.disks[1].rdm);
  ASSERT_EQ(db.nics.size(), 1u);
  EXPECT_EQ(db.nics[0].network_id, vmnet.identifier);
  EXPECT_EQ(db.nics[0].network_name, "VM Network");
  EXPECT_TRUE(db.nics[0].ipv4.empty());
  EXPECT_TRUE(db.snapshots.empty());
  EXPECT_EQ(db.current_snapshot, "");
}

TEST(VmwareClient, EsxiInventoryEqualsTheModel) {
  VmwareSim sim("esxi", kEsxiModel);
  VmwareConnector connector;
  const source::Inventory inv = connector.fetch_inventory(sim.endpoint());
  ASSERT_EQ(inv.vms.size(), 2u);
  const auto& win = vm_named(inv, "Win2016");
  EXPECT_EQ(win.location, "/ha-datacenter/vm/Win2016");
  EXPECT_EQ(win.uuid, "5011bbbb-0000-0000-0000-000000000001");
  EXPECT_EQ(win.guest_full_name, "Microsoft Windows Server 2016 (64-bit)");
  EXPECT_EQ(win.cpus, 2);
  EXPECT_EQ(win.memory_bytes, 4096 * kMiB);
  EXPECT_EQ(win.power_state, "poweredOn");
  EXPECT_TRUE(win.guest_info_complete);
  ASSERT_EQ(win.disks.size(), 1u);
  EXPECT_EQ(win.disks[0].backing_file, "[datastore1] Win2016/Win2016.vmdk");
  ASSERT_EQ(win.nics.size(), 1u);
  EXPECT_EQ(win.nics[0].network_name, "Backup");
  EXPECT_EQ(win.nics[0].ipv4, std::vector<std::string>{"192.168.20.5"});
  const auto& app = vm_named(inv, "app");
  EXPECT_EQ(app.location, "/ha-datacenter/vm/app");  // ESXi has no VM folders
  EXPECT_EQ(app.architecture, "i686");
  EXPECT_EQ(app.cpus, 1);
  const auto& backup = network_named(inv, "Backup");
  EXPECT_EQ(backup.location, "/ha-datacenter/network/Backup");
  EXPECT_EQ(backup.type, "standard");
  EXPECT_EQ(backup.vlan_id, 20);
  EXPECT_EQ(win.nics[0].network_id, backup.identifier);
  EXPECT_EQ(network_named(inv, "VM Network").location, "/ha-datacenter/network/VM Network");
}

TEST(VmwareClient, WrongPasswordIsAuthFailed) {
  VmwareSim sim("esxi", kCbtModel);
  auto e = sim.endpoint();
  e.password = "wrong";
  EXPECT_EQ(kind_of([&] { VmwareConnector().fetch_inventory(e); }), SourceError::Kind::kAuthFailed);
}

TEST(VmwareClient, CertificatePinning) {
  VmwareSim sim("esxi", kCbtModel);
  const std::string served = normalize_fingerprint(sim.fingerprint());
  ASSERT_EQ(served.size(), 64u);
  // No pin: the simulator's self-signed certificate is not trusted by the system CAs.
  std::string reported;
  EXPECT_EQ(kind_of([&] { VmwareConnector().fetch_inventory(sim.endpoint(false)); }, &reported),
            SourceError::Kind::kUntrustedCertificate);
  EXPECT_EQ(reported, served);
  // A wrong pin is refused the same way; the right one in either spelling works.
  auto e = sim.endpoint();
  e.trusted_fingerprint = std::string(64, 'a');
  reported.clear();
  EXPECT_EQ(kind_of([&] { VmwareConnector().fetch_inventory(e); }, &reported),
            SourceError::Kind::kUntrustedCertificate);
  EXPECT_EQ(reported, served);
  e.trusted_fingerprint = served;
  EXPECT_EQ(VmwareConnector().fetch_inventory(e).vms.size(), 2u);
  EXPECT_EQ(VmwareConnector().fetch_inventory(sim.endpoint()).vms.size(), 2u);  // AB:CD:.. form
}

TEST(VmwareClient, UnreachableServer) {
  source::SourceEndpoint e{"https://127.0.0.1:1/sdk", "u", "p", ""};
  EXPECT_EQ(kind_of([&] { VmwareConnector().fetch_inventory(e); }),
            SourceError::Kind::kUnreachable);
}

TEST(VmwareClient, PagingReadsEveryVm) {
  std::string vms;
  for (int i = 0; i < 7; ++i) {
    vms += std::string(i ? "," : "") + R"({"name": "vm)" + std::to_string(i) + R"("})";
  }
  VmwareSim sim("vcenter",
                R"({"datastores": [{"name": "ds", "path": "@DS@"}], "vms": [)" + vms + "]}");
  SessionOptions options;
  options.page_size = 3;
  const source::Inventory inv = read(sim, options);
  ASSERT_EQ(inv.vms.size(), 7u);
  for (int i = 0; i < 7; ++i) EXPECT_EQ(inv.vms[i].location, "/DC0/vm/vm" + std::to_string(i));
}

TEST(VmwareClient, PowerOffAndOn) {
  VmwareSim sim("vcenter", kCbtModel);
  VmwareClient client(sim.endpoint());
  const std::string vm = vm_named(client.inventory(), "plain01").moref;
  client.power_off(vm);
  EXPECT_EQ(vm_named(client.inventory(), "plain01").power_state, "poweredOff");
  client.power_on(vm);
  EXPECT_EQ(vm_named(client.inventory(), "plain01").power_state, "poweredOn");
  // A task that fails surfaces its fault.
  try {
    client.power_on(vm);
    FAIL() << "powering on a running VM succeeded";
  } catch (const TaskError& e) {
    EXPECT_EQ(e.fault_type(), "InvalidPowerState");
    EXPECT_NE(std::string(e.what()).find("InvalidPowerState"), std::string::npos) << e.what();
  }
}

TEST(VmwareClient, SnapshotCreateAndRemove) {
  VmwareSim sim("esxi", kCbtModel);
  VmwareClient client(sim.endpoint());
  const std::string vm = vm_named(client.inventory(), "plain01").moref;
  const std::string snap = client.create_snapshot(vm, "mm-migration <1>");
  EXPECT_TRUE(snap.starts_with("snapshot-")) << snap;
  auto after = vm_named(client.inventory(), "plain01");
  ASSERT_EQ(after.snapshots.size(), 1u);
  EXPECT_EQ(after.snapshots[0].moref, snap);
  EXPECT_EQ(after.snapshots[0].name, "mm-migration <1>");
  EXPECT_EQ(after.current_snapshot, snap);
  client.remove_snapshot(snap);
  EXPECT_TRUE(vm_named(client.inventory(), "plain01").snapshots.empty());
  EXPECT_THROW(client.remove_snapshot(snap), SourceError);
}

TEST(VmwareClient, EnableChangeTracking) {
  VmwareSim sim("vcenter", kCbtModel);
  VmwareClient client(sim.endpoint());
  auto vm = vm_named(client.inventory(), "plain01");
  EXPECT_FALSE(vm.change_tracking);
  EXPECT_EQ(vm.disks[0].change_id, "");
  client.enable_change_tracking(vm.moref);
  vm = vm_named(client.inventory(), "plain01");
  EXPECT_TRUE(vm.change_tracking);
  EXPECT_TRUE(std::regex_match(vm.disks[0].change_id, kChangeId)) << vm.disks[0].change_id;
}

TEST(VmwareClient, LogsInAgainWhenTheSessionIsGone) {
  VmwareSim sim("esxi", kCbtModel);
  SessionOptions options;
  options.keepalive_interval = std::chrono::seconds(0);
  VmwareClient client(sim.endpoint(), options);
  client.connect();
  EXPECT_FALSE(client.session().session_cookie().empty());
  EXPECT_TRUE(client.session().keep_alive());
  // End the session behind the client's back: the next call meets NotAuthenticated.
  client.session().call("Logout", client.session().service_content().session_manager, "");
  EXPECT_EQ(client.inventory().vms.size(), 2u);
  EXPECT_EQ(client.session().login_count(), 2);
}

// Counts the pages cbt::changed_areas asks for.
class CountingQuery : public cbt::ChangedAreasQuery {
 public:
  explicit CountingQuery(cbt::ChangedAreasQuery& inner) : inner_(inner) {}
  std::string query_changed_disk_areas(const std::string& snapshot, int32_t key, int64_t offset,
                                       const std::string& change_id) override {
    ++calls;
    return inner_.query_changed_disk_areas(snapshot, key, offset, change_id);
  }
  int calls = 0;

 private:
  cbt::ChangedAreasQuery& inner_;
};

// What the tests' disk writer does: write the image, then append the write to the journal.
void write_disk(const std::string& image, int64_t offset, int64_t length) {
  const int fd = ::open(image.c_str(), O_WRONLY);
  ASSERT_GE(fd, 0) << image;
  const std::string data(static_cast<size_t>(length), '\xab');
  ASSERT_EQ(::pwrite(fd, data.data(), data.size(), offset), length);
  ::close(fd);
  const int j = ::open((image + ".cbt.jsonl").c_str(), O_WRONLY | O_APPEND | O_CREAT, 0644);
  ASSERT_GE(j, 0);
  const std::string line =
      "{\"offset\":" + std::to_string(offset) + ",\"length\":" + std::to_string(length) + "}\n";
  ASSERT_EQ(::write(j, line.data(), line.size()), static_cast<ssize_t>(line.size()));
  ::close(j);
}

TEST(VmwareClient, ChangedAreasOverTheSimulator) {
  VmwareSim sim("vcenter", kCbtModel, "--max-areas 2");
  VmwareClient client(sim.endpoint());
  auto vm = vm_named(client.inventory(), "cbt01");
  const uint64_t capacity = static_cast<uint64_t>(vm.disks[0].capacity_bytes);
  const std::string base = client.create_snapshot(vm.moref, "base");
  const std::string since = vm_named(client.inventory(), "cbt01").disks[0].change_id;
  ASSERT_TRUE(std::regex_match(since, kChangeId)) << since;

  const std::string image = sim.datastore_dir() + "/cbt01/cbt01-flat.vmdk";
  const int64_t offsets[] = {1 * kMiB, 3 * kMiB, 5 * kMiB + 100, 10 * kMiB, 20 * kMiB};
  for (int64_t off : offsets) write_disk(image, off, 4096);
  const std::string snap = client.create_snapshot(vm.moref, "migration");

  VmwareChangedAreas query(client.session(), vm.moref);
  CountingQuery counting(query);
  const cbt::ExtentSet changed = cbt::changed_areas(counting, snap, 2000, capacity, since);
  // Widened to the simulator's 64 KiB blocks; two areas per reply means three pages.
  cbt::ExtentSet expected;
  for (int64_t off : offsets) {
    const uint64_t block = static_cast<uint64_t>(off) / 65536 * 65536;
    expected.add(block, 65536 * ((static_cast<uint64_t>(off) % 65536 + 4096 + 65535) / 65536));
  }
  EXPECT_EQ(changed, expected);
  EXPECT_GE(counting.calls, 3);

  // "*": every allocated area, which covers everything written (and nothing past 21 MiB).
  const cbt::ExtentSet all = cbt::changed_areas(query, snap, 2000, capacity, cbt::kAllAllocated);
  for (const auto& e : expected) EXPECT_TRUE(all.contains(e.offset)) << e.offset;
  EXPECT_LE(all.extents().back().end(), static_cast<uint64_t>(21 * kMiB));

  // A changeId the server does not know is its fault, typed.
  try {
    cbt::changed_areas(query, snap, 2000, capacity,
                       "52 00 00 00 00 00 00 00-00 00 00 00 00 00 00 00/1");
    FAIL() << "an unknown changeId was accepted";
  } catch (const cbt::SoapFault& f) {
    EXPECT_EQ(f.fault_type(), "InvalidArgument");
  }
  client.remove_snapshot(base);
}

}  // namespace
}  // namespace mm::vmware
