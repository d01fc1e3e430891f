#include "orchestrator/migration/placement.h"

#include <stdexcept>

#include "orchestrator/inventory/overrides.h"
#include "orchestrator/starlark/placement.h"

namespace mm::migration {

Placement place_instance(const batch::BatchConfig& cfg, const nlohmann::json& batch_json,
                         const starlark::PlacementScript* script, const nlohmann::json& view,
                         const std::vector<state::NetworkRecord>& networks) {
  Placement p;
  p.target = cfg.placement.target;
  p.project = cfg.placement.target_project.empty() ? "default" : cfg.placement.target_project;
  const nlohmann::json disks = view.value("disks", nlohmann::json::array());
  p.disk_pools.assign(disks.size(), cfg.placement.storage_pool.empty()
                                        ? std::string("default")
                                        : cfg.placement.storage_pool);
  for (const auto& nic : view.value("nics", nlohmann::json::array())) {
    NicPlacement n;
    n.hardware_address = nic.value("hardware_address", std::string());
    const std::string net_uuid = nic.value("uuid", std::string());
    for (const state::NetworkRecord& r : networks) {
      if (r.uuid != net_uuid) continue;
      const inventory::NetworkPlacement e = inventory::effective_placement(r);
      n.network = e.network;
      n.nictype = e.nictype;
      n.vlan = e.vlan_id;
    }
    p.nics.push_back(std::move(n));
  }
  if (script == nullptr) return p;

  // Scriptlets of the documents read both instance.os_version and instance.properties.os_version.
  nlohmann::json instance = view;
  instance["properties"] = view;
  starlark::PlacementResult r;
  try {
    r = script->place(instance, batch_json);
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string("placement scriptlet: ") + e.what());
  }
  if (r.target) p.target = *r.target;
  if (r.project) p.project = *r.project;
  for (size_t i = 0; i < disks.size(); ++i) {
    const std::string name = disks[i].value("name", std::string());
    if (auto it = r.pools.find(name); it != r.pools.end()) p.disk_pools[i] = it->second;
  }
  for (NicPlacement& n : p.nics) {
    if (auto it = r.networks.find(n.hardware_address); it != r.networks.end()) {
      n.network = it->second.network;
      n.nictype = it->second.nictype;
      n.vlan = it->second.vlan;
    }
  }
  if (p.target.empty()) throw std::runtime_error("no target: set defaults.placement.target");
  return p;
}

}  // namespace mm::migration
