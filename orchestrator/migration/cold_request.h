#pragma once
// A one-off cold migration as the user asks for it (`migration-manager migrate INSTANCE --cold
// --target T ...`, POST /1.0/migrations) turned into what the scheduler runs: an implicit batch
// "cold-NAME" of kind cold whose include expression matches that instance only, placed by the
// flags (the network map becomes a placement scriptlet), with no window (it starts now). So a cold
// migration goes through the same queue, limits and events as any batch.
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "orchestrator/batch/batch_config.h"
#include "orchestrator/state/records.h"
#include "orchestrator/state/store.h"

namespace mm::migration {

struct ColdRequest {
  std::string instance;  // name or UUID
  std::string target, project, pool;
  std::map<std::string, std::string> network_map;  // source network -> target network
};

// {"instance": "...", "kind": "cold", "target": "...", "project": "...", "pool": "...",
//  "network_map": {"SRC": "DST"}}; throws std::invalid_argument naming the field.
ColdRequest parse_cold_request(const nlohmann::json& body);

// The instance a name or UUID stands for; throws std::invalid_argument when none or several
// (names are not unique across sources).
state::InstanceRecord find_instance(state::Store& store, const std::string& name_or_uuid);

// A source network's names a map may use: its name (the last part of its location, as `network
// list` shows it), its location, and its identifier.
bool network_matches(const state::NetworkRecord& n, const std::string& name);
std::string network_display_name(const state::NetworkRecord& n);

// The NIC -> network choices of a network map, as a placement scriptlet (set_network by hardware
// address). Throws std::invalid_argument for a map entry that names none of the instance's
// networks. Empty map: "".
std::string network_map_scriptlet(const nlohmann::json& view,
                                  const std::vector<state::NetworkRecord>& networks,
                                  const std::map<std::string, std::string>& network_map);

// "cold-" + the target instance name.
std::string cold_batch_name(const state::InstanceRecord& instance);
batch::BatchConfig cold_batch(const ColdRequest& request, const state::InstanceRecord& instance,
                              const std::vector<state::NetworkRecord>& networks);

}  // namespace mm::migration
