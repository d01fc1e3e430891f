#pragma once
// Where one instance goes: the batch's placement defaults, then its placement scriptlet
// (orchestrator/starlark/placement.h) may change the target, project, each disk's pool and each
// NIC's network; NICs otherwise follow the network's (override) mapping from `network list`.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "orchestrator/batch/batch_config.h"
#include "orchestrator/state/records.h"

namespace mm::starlark {
class PlacementScript;
}

namespace mm::migration {

struct NicPlacement {
  std::string hardware_address;
  std::string network;
  std::string nictype;  // managed | bridged | physical
  std::string vlan;
};

struct Placement {
  std::string target;
  std::string project;
  std::vector<std::string> disk_pools;  // in the instance's disk order
  std::vector<NicPlacement> nics;       // in the instance's NIC order
};

// `view` is the instance's effective view (instance_view with overrides); `script` may be null.
// Throws std::runtime_error naming the scriptlet's error.
Placement place_instance(const batch::BatchConfig& cfg, const nlohmann::json& batch_json,
                         const starlark::PlacementScript* script, const nlohmann::json& view,
                         const std::vector<state::NetworkRecord>& networks);

}  // namespace mm::migration
