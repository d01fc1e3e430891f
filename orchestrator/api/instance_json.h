#pragma once
// Instances as JSON, shaped like the reference tool's api.Instance:
//   {"source": "esxi01", "source_type": "vmware",
//    "properties": {api.InstanceProperties, with the user's overrides applied},
//    "last_update_from_source": "...", "overrides": {api.InstanceOverride},
//    "missing": false}   (true when the VM was gone from its source at the last sync)
// Override bodies (PUT/POST /1.0/instances/{uuid}/override):
//   {"comment": "", "disable_migration": false, "ignore_restrictions": false,
//    "properties": {"name": "", "description": "", "cpus": 0, "memory": 0, "config": {},
//                   "os": "", "os_version": "", "architecture": ""}}
// last_update is the daemon's to set: accepted and ignored on the way in.
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "orchestrator/inventory/overrides.h"
#include "orchestrator/state/records.h"

namespace mm::api {

nlohmann::json instance_to_json(const state::InstanceRecord& r, const std::string& source_name);
inventory::InstanceOverride parse_instance_override(std::string_view body);

}  // namespace mm::api
