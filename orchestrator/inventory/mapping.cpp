#include "orchestrator/inventory/mapping.h"

#include <set>

#include <nlohmann/json.hpp>

#include "orchestrator/inventory/instance_view.h"
#include "orchestrator/inventory/overrides.h"
#include "orchestrator/inventory/status.h"
#include "orchestrator/state/uuid.h"

namespace mm::inventory {
namespace {

// Collects messages per warning type, keeping the order types first appear in.
class WarningSet {
 public:
  void add(const std::string& type, const std::string& message) {
    for (auto& [t, msgs] : entries_) {
      if (t == type) {
        msgs.push_back(message);
        return;
      }
    }
    entries_.push_back({type, {message}});
  }
  std::vector<state::WarningRecord> records(const std::string& source) const {
    std::vector<state::WarningRecord> out;
    for (const auto& [type, msgs] : entries_) {
      state::WarningRecord w;
      w.scope = "sync";
      w.entity_type = "source";
      w.entity = source;
      w.type = type;
      w.messages = msgs;
      out.push_back(std::move(w));
    }
    return out;
  }

 private:
  std::vector<std::pair<std::string, std::vector<std::string>>> entries_;
};

// The previous sync's NIC addresses by MAC: a VM that was powered off since keeps the addresses
// its guest agent last reported (the reference does the same).
std::map<std::string, nlohmann::json> previous_nics(const state::InstanceRecord* prev) {
  std::map<std::string, nlohmann::json> out;
  if (!prev) return out;
  const nlohmann::json props = nlohmann::json::parse(prev->properties, nullptr, false);
  if (!props.is_object() || !props.contains("nics") || !props["nics"].is_array()) return out;
  for (const auto& nic : props["nics"]) {
    if (nic.is_object()) out[nic.value("hardware_address", std::string())] = nic;
  }
  return out;
}

state::InstanceRecord map_vm(const source::VmInfo& vm, const state::SourceRecord& src,
                             const state::InstanceRecord* prev,
                             const std::map<std::string, std::string>& network_uuids,
                             const std::map<std::string, std::string>& network_locations,
                             const std::string& now) {
  state::InstanceRecord r;
  r.uuid = vm.uuid;
  r.source_id = src.id;
  r.inventory_path = vm.location;
  r.name = vm.name;
  // Fields the guest agent reports go blank when the VM is off: keep what an earlier sync saw.
  r.architecture = !vm.architecture.empty()              ? vm.architecture
                   : prev && !prev->architecture.empty() ? prev->architecture
                                                         : "x86_64";
  r.os = !vm.os.empty() ? vm.os : prev ? prev->os : "";
  r.os_version = !vm.os_version.empty() ? vm.os_version : prev ? prev->os_version : "";
  r.cpus = vm.cpus;
  r.memory_bytes = vm.memory_bytes;
  r.legacy_boot = vm.legacy_boot;
  r.secure_boot = vm.secure_boot;
  r.tpm = vm.tpm;
  r.override_json = prev ? prev->override_json : "{}";
  r.last_update_from_source = now;

  bool all_supported = true;
  nlohmann::json disks = nlohmann::json::array();
  for (const auto& d : vm.disks) {
    const bool ok = disk_supported(d);
    all_supported = all_supported && ok;
    disks.push_back({{"capacity", d.capacity_bytes},
                     {"name", d.backing_file.empty() ? d.name : d.backing_file},
                     {"shared", d.shared},
                     {"supported", ok}});
  }
  r.background_import = vm.change_tracking && all_supported;

  const auto old_nics = previous_nics(prev);
  nlohmann::json nics = nlohmann::json::array();
  for (const auto& n : vm.nics) {
    std::string ipv4 = n.ipv4.empty() ? "" : n.ipv4.front();
    std::string ipv6 = n.ipv6.empty() ? "" : n.ipv6.front();
    if (auto it = old_nics.find(n.mac); it != old_nics.end()) {
      if (ipv4.empty()) ipv4 = it->second.value("ipv4_address", std::string());
      if (ipv6.empty()) ipv6 = it->second.value("ipv6_address", std::string());
    }
    const auto uuid = network_uuids.find(n.network_id);
    const auto loc = network_locations.find(n.network_id);
    nics.push_back({{"uuid", uuid == network_uuids.end() ? "" : uuid->second},
                    {"source_specific_id", n.network_id},
                    {"hardware_address", n.mac},
                    {"location", loc == network_locations.end() ? n.network_name : loc->second},
                    {"ipv4_address", ipv4},
                    {"ipv6_address", ipv6}});
  }
  nlohmann::json snapshots = nlohmann::json::array();
  for (const auto& s : vm.snapshots) snapshots.push_back({{"name", s.name}});

  r.properties = nlohmann::json{
      {"source_specific_id", vm.moref},
      {"description", vm.description},
      {"running", vm.power_state == "poweredOn"},
      {"config", nlohmann::json::object()},
      {"nics", nics},
      {"disks", disks},
      {"snapshots",
       snapshots}}.dump();
  return r;
}

// What the reference calls incomplete: the guest agent did not report OS, architecture or an IPv4
// address for every NIC.
bool incomplete(const source::VmInfo& vm) {
  if (!vm.guest_info_complete || vm.architecture.empty() || vm.os.empty() ||
      vm.os_version.empty()) {
    return true;
  }
  for (const auto& n : vm.nics) {
    if (n.ipv4.empty()) return true;
  }
  return false;
}

}  // namespace

bool disk_supported(const source::DiskInfo& d) {
  return !d.rdm && !d.shared && d.disk_mode.rfind("independent", 0) != 0;
}

SyncPlan plan_sync(const source::Inventory& inv, const state::SourceRecord& src,
                   const std::vector<state::InstanceRecord>& existing_instances,
                   const std::vector<state::NetworkRecord>& existing_networks,
                   const std::map<int64_t, std::string>& source_names, const std::string& now) {
  SyncPlan plan;
  WarningSet warnings;

  // Only networks some VM uses are recorded, as the reference does: the rest cannot matter to a
  // migration and would only crowd `network list`.
  std::set<std::string> used;
  for (const auto& vm : inv.vms) {
    for (const auto& n : vm.nics) used.insert(n.network_id);
  }
  std::map<std::string, std::string> known_uuids;  // identifier -> uuid, this source only
  for (const auto& n : existing_networks) {
    if (n.source_id == src.id) known_uuids[n.identifier] = n.uuid;
  }
  std::map<std::string, std::string> network_uuids;
  std::map<std::string, std::string> network_locations;
  for (const auto& net : inv.networks) {
    if (!used.count(net.identifier) || network_uuids.count(net.identifier)) continue;
    state::NetworkRecord r;
    auto it = known_uuids.find(net.identifier);
    // Generated once per (source, identifier) and kept: overrides and batches refer to it.
    r.uuid = it != known_uuids.end() ? it->second : state::random_uuid();
    r.source_id = src.id;
    r.identifier = net.identifier;
    r.type = net.type.empty() ? "standard" : net.type;
    r.location = net.location;
    r.properties =
        nlohmann::json{{"name", net.name}, {"switch", net.switch_name}, {"vlan_id", net.vlan_id}}
            .dump();
    network_uuids[net.identifier] = r.uuid;
    network_locations[net.identifier] = net.location;
    plan.network_ids.push_back(net.identifier);
    plan.networks.push_back(std::move(r));
  }

  std::map<std::string, const state::InstanceRecord*> by_uuid;
  for (const auto& i : existing_instances) by_uuid[i.uuid] = &i;
  std::map<std::string, std::string> seen;  // uuid -> location, within this inventory
  for (const auto& vm : inv.vms) {
    if (vm.uuid.empty()) {
      warnings.add(kWarnInstancesNotImported, "Instance " + go_quote(vm.location) + " has no UUID");
      continue;
    }
    if (auto dup = seen.find(vm.uuid); dup != seen.end()) {
      warnings.add(kWarnInstancesNotImported, "Duplicate UUIDs: " + go_quote(vm.uuid) +
                                                  ". Skipped instance " + go_quote(vm.location) +
                                                  ", keeping instance " + go_quote(dup->second));
      continue;
    }
    const state::InstanceRecord* prev = nullptr;
    if (auto it = by_uuid.find(vm.uuid); it != by_uuid.end()) prev = it->second;
    if (prev && prev->source_id != src.id && !prev->missing) {
      // Two sources claim the same VM UUID: the first one keeps it.
      auto name = source_names.find(prev->source_id);
      warnings.add(kWarnInstancesNotImported,
                   "Duplicate UUIDs: " + go_quote(vm.uuid) + ". Skipped instance " +
                       go_quote(vm.location) + " on source " + go_quote(src.name) +
                       ", keeping instance " + go_quote(prev->inventory_path) + " on source " +
                       go_quote(name == source_names.end() ? "" : name->second));
      continue;
    }
    seen[vm.uuid] = vm.location;
    state::InstanceRecord r = map_vm(vm, src, prev, network_uuids, network_locations, now);
    if (incomplete(vm)) {
      warnings.add(kWarnInstanceIncomplete,
                   go_quote(vm.location) +
                       " has incomplete properties. Ensure VM is powered on and guest agent is "
                       "running");
    }
    const InstanceOverride o = instance_override_from_stored(r.override_json);
    // A user's own disable is not news to them; every other restriction is.
    if (!o.disable_migration) {
      if (auto why = restriction(instance_view(r, true), o)) {
        warnings.add(kWarnInstanceRestricted, go_quote(vm.location) + ": " + *why);
      }
    }
    plan.instance_uuids.push_back(r.uuid);
    plan.instances.push_back(std::move(r));
  }
  plan.warnings = warnings.records(src.name);
  return plan;
}

}  // namespace mm::inventory
