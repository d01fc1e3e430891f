#pragma once
// Networks as JSON, shaped like the reference tool's api.Network:
//   {"uuid": "...", "source_specific_id": "network-12", "source": "esxi01", "type": "standard",
//    "location": "/ha-datacenter/network/VMWARE", "properties": {...},
//    "placement": {"network": "VMWARE", "nictype": "managed", "vlan_id": ""},
//    "overrides": {"network": "", "nictype": "", "vlan_id": ""}, "missing": false}
// placement is the effective target placement (defaults with the overrides applied). Override
// bodies (PUT /1.0/networks/{uuid} or /1.0/networks/{uuid}/override) are api.NetworkPlacement:
//   {"network": "br0", "nictype": "bridged", "vlan_id": "10"}
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "orchestrator/inventory/overrides.h"
#include "orchestrator/state/records.h"

namespace mm::api {

nlohmann::json network_to_json(const state::NetworkRecord& n, const std::string& source_name);
// nictype "" | managed | bridged | physical; vlan_id "" or 1-4094 (a string, or an integer);
// network "" or a name without '/' or control characters.
inventory::NetworkPlacement parse_network_override(std::string_view body);

}  // namespace mm::api
