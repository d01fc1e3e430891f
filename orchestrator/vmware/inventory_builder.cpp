#include "orchestrator/vmware/inventory_builder.h"

#include <algorithm>
#include <functional>

namespace mm::vmware {
namespace {

using source::DiskInfo;
using source::Inventory;
using source::NetworkInfo;
using source::NicInfo;
using source::SnapshotInfo;
using source::VmInfo;

// Deeper parent chains or snapshot trees than this are garbage (vSphere allows 32 snapshots).
constexpr int kMaxDepth = 256;

[[noreturn]] void fail(const std::string& where, const std::string& problem) {
  throw ReplyError("vim25 reply: " + where + ": " + problem);
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// "VirtualVmxnet3" -> "vmxnet3", "VirtualE1000e" -> "e1000e".
std::string adapter_type(const std::string& xsi) {
  std::string t = xsi.starts_with("Virtual") ? xsi.substr(7) : xsi;
  if (t == "SriovEthernetCard") return "sriov";
  return lower(t);
}

void flatten_snapshots(pugi::xml_node list_owner, const char* list_name, const std::string& parent,
                       const std::string& where, int depth, std::vector<SnapshotInfo>& out) {
  if (depth > kMaxDepth) fail(where, "snapshot tree deeper than " + std::to_string(kMaxDepth));
  size_t i = 0;
  for (pugi::xml_node tree : children(list_owner, list_name)) {
    const std::string w = where + "." + list_name + "[" + std::to_string(i++) + "]";
    SnapshotInfo s;
    s.moref = to_moref(child(tree, "snapshot", w), w + ".snapshot").value;
    s.name = text(child(tree, "name", w), w + ".name");
    s.created = text(child(tree, "createTime", w), w + ".createTime");
    s.parent = parent;
    out.push_back(s);
    flatten_snapshots(tree, "childSnapshotList", s.moref, w, depth + 1, out);
  }
}

}  // namespace

std::vector<DiskInfo> parse_virtual_disks(pugi::xml_node devices, const std::string& where,
                                          bool* tpm) {
  std::vector<DiskInfo> disks;
  // Controllers whose bus is shared make their disks shared too.
  std::map<int64_t, bool> shared_bus;
  size_t index = 0;
  for (pugi::xml_node dev : children(devices, "VirtualDevice")) {
    const std::string dw = where + "[" + std::to_string(index++) + "]";
    const std::string type = xsi_type(dev);
    if (type.empty()) fail(dw, "device without xsi:type");
    if (type == "VirtualTPM" && tpm != nullptr) *tpm = true;
    const std::string sharing = optional_text(dev, "sharedBus", dw);
    if (!sharing.empty())
      shared_bus[to_int(child(dev, "key", dw), dw + ".key")] = sharing != "noSharing";
  }
  index = 0;
  for (pugi::xml_node dev : children(devices, "VirtualDevice")) {
    const std::string dw = where + "[" + std::to_string(index++) + "]";
    if (xsi_type(dev) != "VirtualDisk") continue;
    DiskInfo d;
    const int64_t key = to_int(child(dev, "key", dw), dw + ".key");
    if (key < INT32_MIN || key > INT32_MAX) fail(dw + ".key", "out of range");
    d.device_key = static_cast<int32_t>(key);
    if (pugi::xml_node info = optional_child(dev, "deviceInfo", dw)) {
      d.name = optional_text(info, "label", dw + ".deviceInfo");
    }
    d.capacity_bytes = optional_int(dev, "capacityInBytes", dw, -1);
    if (d.capacity_bytes < 0) {
      const int64_t kb = to_int(child(dev, "capacityInKB", dw), dw + ".capacityInKB");
      if (kb < 0 || kb > (INT64_MAX >> 10)) fail(dw + ".capacityInKB", "out of range");
      d.capacity_bytes = kb * 1024;
    }
    pugi::xml_node backing = child(dev, "backing", dw);
    const std::string bw = dw + ".backing";
    d.rdm = xsi_type(backing) == "VirtualDiskRawDiskMappingVer1BackingInfo";
    d.backing_file = optional_text(backing, "fileName", bw);
    d.disk_mode = optional_text(backing, "diskMode", bw);
    d.shared = optional_text(backing, "sharing", bw) == "sharingMultiWriter";
    const int64_t controller = optional_int(dev, "controllerKey", dw, -1);
    if (auto it = shared_bus.find(controller); it != shared_bus.end() && it->second) {
      d.shared = true;
    }
    d.change_id = optional_text(backing, "changeId", bw);
    disks.push_back(std::move(d));
  }
  return disks;
}

const std::vector<PropertyPaths>& inventory_property_paths() {
  static const std::vector<PropertyPaths> paths = {
      {"VirtualMachine",
       {"name",
        "parent",
        "config.template",
        "config.uuid",
        "config.instanceUuid",
        "config.annotation",
        "config.guestId",
        "config.guestFullName",
        "config.hardware.numCPU",
        "config.hardware.memoryMB",
        "config.hardware.device",
        "config.firmware",
        "config.bootOptions",
        "config.changeTrackingEnabled",
        "runtime.powerState",
        "guest.toolsRunningStatus",
        "guest.guestId",
        "guest.guestFullName",
        "guest.ipAddress",
        "guest.net",
        "snapshot"}},
      // Network covers its subtypes (DistributedVirtualPortgroup, OpaqueNetwork).
      {"Network", {"name", "parent"}},
      {"DistributedVirtualPortgroup", {"key", "config"}},
      {"DistributedVirtualSwitch", {"name", "parent"}},
      {"Folder", {"name", "parent"}},
      {"Datacenter", {"name", "parent"}},
      {"HostSystem", {"name", "configManager.networkSystem"}},
  };
  return paths;
}

const std::vector<const char*>& inventory_view_types() {
  static const std::vector<const char*> types = {"VirtualMachine",
                                                 "Network",
                                                 "DistributedVirtualPortgroup",
                                                 "DistributedVirtualSwitch",
                                                 "Folder",
                                                 "Datacenter",
                                                 "HostSystem"};
  return types;
}

std::string architecture_of_guest_id(const std::string& guest_id) {
  const std::string id = lower(guest_id);
  if (id.find("arm64") != std::string::npos || id.find("aarch64") != std::string::npos) {
    return "aarch64";
  }
  if (id.find("64") != std::string::npos) return "x86_64";
  return "i686";
}

void InventoryBuilder::add(RetrieveResult page) {
  pages_.push_back(std::move(page));
  for (const ObjectContent& o : pages_.back().objects) objects_[o.obj.value] = &o;
}

const ObjectContent* InventoryBuilder::find(const std::string& value) const {
  auto it = objects_.find(value);
  return it == objects_.end() ? nullptr : it->second;
}

std::string InventoryBuilder::name_of(const ObjectContent& obj) const {
  pugi::xml_node n = obj.prop("name");
  if (!n) fail(obj.obj.type + " " + obj.obj.value, "no name property");
  return text(n, obj.obj.type + " " + obj.obj.value + " name");
}

// The names from the datacenter's parent folders down to the object; the root folder (not in
// the container view) is not part of the path.
std::string InventoryBuilder::path_of(const ObjectContent& obj) const {
  std::vector<std::string> names;
  const ObjectContent* o = &obj;
  for (int depth = 0;; ++depth) {
    if (depth > kMaxDepth) fail(obj.obj.value, "parent chain longer than 256 (a cycle?)");
    names.push_back(name_of(*o));
    pugi::xml_node parent = o->prop("parent");
    // A VM in a vApp has parentVApp instead of parent: its path starts at itself.
    if (!parent) break;
    const MoRef ref = to_moref(parent, o->obj.value + " parent");
    if (ref.value == root_folder_) break;
    o = find(ref.value);
    if (o == nullptr) fail(obj.obj.value, "parent " + ref.value + " is not in the inventory");
  }
  std::string path;
  for (auto it = names.rbegin(); it != names.rend(); ++it) path += "/" + *it;
  return path;
}

std::vector<MoRef> InventoryBuilder::network_systems() const {
  std::vector<MoRef> out;
  for (const auto& [value, o] : objects_) {
    if (o->obj.type != "HostSystem") continue;
    if (pugi::xml_node n = o->prop("configManager.networkSystem")) {
      out.push_back(to_moref(n, value + " configManager.networkSystem"));
    }
  }
  return out;
}

void InventoryBuilder::nics_of(const ObjectContent& obj, pugi::xml_node devices, VmInfo& vm) const {
  const std::string w = vm.moref + " config.hardware.device";
  // Guest-reported addresses by device key, and by MAC for guests that do not say the key.
  std::map<int64_t, pugi::xml_node> guest_by_key;
  std::map<std::string, pugi::xml_node> guest_by_mac;
  if (pugi::xml_node net = obj.prop("guest.net")) {
    size_t i = 0;
    for (pugi::xml_node g : children(net, "GuestNicInfo")) {
      const std::string gw = vm.moref + " guest.net[" + std::to_string(i++) + "]";
      if (pugi::xml_node key = optional_child(g, "deviceConfigId", gw)) {
        guest_by_key[to_int(key, gw + ".deviceConfigId")] = g;
      }
      const std::string mac = optional_text(g, "macAddress", gw);
      if (!mac.empty()) guest_by_mac[lower(mac)] = g;
    }
  }
  size_t index = 0;
  for (pugi::xml_node dev : children(devices, "VirtualDevice")) {
    const std::string dw = w + "[" + std::to_string(index++) + "]";
    pugi::xml_node backing = optional_child(dev, "backing", dw);
    if (!backing) continue;
    const std::string btype = xsi_type(backing);
    if (!btype.starts_with("VirtualEthernetCard")) continue;
    NicInfo nic;
    nic.adapter_type = adapter_type(xsi_type(dev));
    nic.mac = lower(optional_text(dev, "macAddress", dw));
    if (btype == "VirtualEthernetCardNetworkBackingInfo") {
      if (pugi::xml_node n = optional_child(backing, "network", dw + ".backing")) {
        nic.network_id = to_moref(n, dw + ".backing.network").value;
      }
      nic.network_name = optional_text(backing, "deviceName", dw + ".backing");
    } else if (btype == "VirtualEthernetCardDistributedVirtualPortBackingInfo") {
      pugi::xml_node port = child(backing, "port", dw + ".backing");
      const std::string key = optional_text(port, "portgroupKey", dw + ".backing.port");
      nic.network_id = key;
      // The port group's key is its moref on vCenter; look it up by key to be sure.
      for (const auto& [value, o] : objects_) {
        pugi::xml_node k = o->prop("key");
        if (o->obj.type == "DistributedVirtualPortgroup" && k && text(k, value + " key") == key) {
          nic.network_id = value;
        }
      }
    } else if (btype == "VirtualEthernetCardOpaqueNetworkBackingInfo") {
      nic.network_id = optional_text(backing, "opaqueNetworkId", dw + ".backing");
    }
    if (const ObjectContent* n = find(nic.network_id); n && n->prop("name")) {
      nic.network_name = name_of(*n);
    }
    pugi::xml_node guest;
    const int64_t key = optional_int(dev, "key", dw, -1);
    if (auto it = guest_by_key.find(key); it != guest_by_key.end()) {
      guest = it->second;
    } else if (auto m = guest_by_mac.find(nic.mac); !nic.mac.empty() && m != guest_by_mac.end()) {
      guest = m->second;
    }
    if (guest) {
      for (pugi::xml_node ip : children(guest, "ipAddress")) {
        std::string addr = text(ip, vm.moref + " guest.net.ipAddress");
        (addr.find(':') != std::string::npos ? nic.ipv6 : nic.ipv4).push_back(std::move(addr));
      }
    }
    vm.nics.push_back(std::move(nic));
  }
}

VmInfo InventoryBuilder::vm_of(const ObjectContent& obj) const {
  VmInfo vm;
  vm.moref = obj.obj.value;
  const std::string& m = vm.moref;
  vm.name = name_of(obj);
  vm.location = path_of(obj);
  const auto str = [&](const char* path) {
    pugi::xml_node n = obj.prop(path);
    return n ? text(n, m + " " + path) : std::string();
  };
  const auto flag = [&](const char* path) {
    pugi::xml_node n = obj.prop(path);
    return n ? to_bool(n, m + " " + path) : false;
  };
  const auto num = [&](const char* path) {
    pugi::xml_node n = obj.prop(path);
    if (!n) fail(m, std::string("no ") + path + " property");
    const int64_t v = to_int(n, m + " " + path);
    if (v < 0) fail(m + " " + path, "negative: " + std::to_string(v));
    return v;
  };
  vm.uuid = str("config.instanceUuid");
  if (vm.uuid.empty()) vm.uuid = str("config.uuid");
  if (vm.uuid.empty()) fail(m, "neither config.instanceUuid nor config.uuid");
  vm.description = str("config.annotation");
  vm.guest_id = str("config.guestId");
  vm.guest_full_name = str("config.guestFullName");
  std::string os = str("guest.guestId");
  if (os.ends_with("Guest")) os.resize(os.size() - 5);
  vm.os = os;
  vm.os_version = str("guest.guestFullName");
  vm.architecture = architecture_of_guest_id(vm.guest_id);
  vm.cpus = num("config.hardware.numCPU");
  const int64_t memory_mb = num("config.hardware.memoryMB");
  if (memory_mb > (int64_t{1} << 40)) fail(m + " config.hardware.memoryMB", "out of range");
  vm.memory_bytes = memory_mb * 1024 * 1024;
  const std::string firmware = str("config.firmware");
  vm.legacy_boot = firmware != "efi";
  if (pugi::xml_node boot = obj.prop("config.bootOptions")) {
    vm.secure_boot = !vm.legacy_boot &&
                     optional_bool(boot, "efiSecureBootEnabled", m + " config.bootOptions", false);
  }
  vm.power_state = str("runtime.powerState");
  if (vm.power_state != "poweredOn" && vm.power_state != "poweredOff" &&
      vm.power_state != "suspended") {
    fail(m + " runtime.powerState", "unknown power state \"" + vm.power_state + "\"");
  }
  vm.change_tracking = flag("config.changeTrackingEnabled");
  vm.guest_info_complete = str("guest.toolsRunningStatus") == "guestToolsRunning" &&
                           !vm.os_version.empty() && !str("guest.ipAddress").empty();

  pugi::xml_node devices = obj.prop("config.hardware.device");
  if (devices) {
    bool tpm = false;
    vm.disks = parse_virtual_disks(devices, m + " config.hardware.device", &tpm);
    if (tpm) vm.tpm = true;
    nics_of(obj, devices, vm);
  }

  if (pugi::xml_node snap = obj.prop("snapshot")) {
    const std::string sw = m + " snapshot";
    if (pugi::xml_node cur = optional_child(snap, "currentSnapshot", sw)) {
      vm.current_snapshot = to_moref(cur, sw + ".currentSnapshot").value;
    }
    flatten_snapshots(snap, "rootSnapshotList", "", sw, 0, vm.snapshots);
  }
  return vm;
}

Inventory InventoryBuilder::build() const {
  Inventory inv;
  // Standard port groups' VLAN and vSwitch, by port group name, from the hosts.
  std::map<std::string, std::pair<int64_t, std::string>> host_portgroups;
  for (const auto& [value, o] : objects_) {
    if (o->obj.type == "VirtualMachine") {
      if (pugi::xml_node t = o->prop("config.template"); t && to_bool(t, value + " template")) {
        continue;
      }
      if (!o->prop("config.hardware.numCPU")) continue;  // a stub without configuration
      inv.vms.push_back(vm_of(*o));
    } else if (o->obj.type == "HostNetworkSystem") {
      pugi::xml_node pgs = o->prop("networkInfo.portgroup");
      if (!pgs) continue;
      size_t i = 0;
      for (pugi::xml_node pg : children(pgs, "HostPortGroup")) {
        const std::string w = value + " networkInfo.portgroup[" + std::to_string(i++) + "]";
        pugi::xml_node spec = child(pg, "spec", w);
        const std::string name = text(child(spec, "name", w + ".spec"), w + ".spec.name");
        host_portgroups.emplace(name, std::make_pair(optional_int(spec, "vlanId", w + ".spec", 0),
                                                     optional_text(spec, "vswitchName", w)));
      }
    }
  }
  for (const auto& [value, o] : objects_) {
    const std::string& type = o->obj.type;
    if (type != "Network" && type != "DistributedVirtualPortgroup") continue;
    NetworkInfo n;
    n.identifier = value;
    n.name = name_of(*o);
    n.location = path_of(*o);
    if (type == "Network") {
      n.type = "standard";
      if (auto it = host_portgroups.find(n.name); it != host_portgroups.end()) {
        n.vlan_id = it->second.first;
        n.switch_name = it->second.second;
      }
    } else {
      n.type = "distributed";
      const std::string w = value + " config";
      pugi::xml_node config = o->prop("config");
      if (!config) fail(value, "no config property");
      // vCenter 7+ marks a switch's uplink port group: no VM can use it.
      if (optional_bool(config, "uplink", w, false)) continue;
      if (pugi::xml_node dvs = optional_child(config, "distributedVirtualSwitch", w)) {
        const MoRef ref = to_moref(dvs, w + ".distributedVirtualSwitch");
        if (const ObjectContent* sw = find(ref.value); sw && sw->prop("name")) {
          n.switch_name = name_of(*sw);
        }
      }
      if (pugi::xml_node port = optional_child(config, "defaultPortConfig", w)) {
        pugi::xml_node vlan = optional_child(port, "vlan", w + ".defaultPortConfig");
        // Only a single VLAN id is a VLAN; trunks and private VLANs report 0.
        if (vlan && xsi_type(vlan) == "VmwareDistributedVirtualSwitchVlanIdSpec") {
          n.vlan_id = optional_int(vlan, "vlanId", w + ".defaultPortConfig.vlan", 0);
        }
      }
    }
    if (n.vlan_id < 0 || n.vlan_id > 4095) fail(value, "VLAN id out of range");
    inv.networks.push_back(std::move(n));
  }
  std::sort(inv.vms.begin(), inv.vms.end(),
            [](const VmInfo& a, const VmInfo& b) { return a.location < b.location; });
  std::sort(inv.networks.begin(), inv.networks.end(),
            [](const NetworkInfo& a, const NetworkInfo& b) { return a.location < b.location; });
  return inv;
}

}  // namespace mm::vmware
