#pragma once
// The user's overrides, shaped like the reference tool's api.InstanceOverride and
// api.NetworkPlacement, as stored in the override columns and shown by the API. Parsing here is of
// the daemon's own stored JSON (lenient); request bodies are validated in orchestrator/api.
#include <cstdint>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "orchestrator/state/records.h"

namespace mm::inventory {

// api.InstancePropertiesConfigurable: zero values mean "not overridden".
struct InstancePropertiesOverride {
  std::string name;
  std::string description;
  int64_t cpus = 0;
  int64_t memory = 0;
  std::map<std::string, std::string> config;
  std::string os;
  std::string os_version;
  std::string architecture;
};

struct InstanceOverride {
  std::string last_update;  // RFC 3339; the zero time when never set
  std::string comment;
  bool disable_migration = false;
  bool ignore_restrictions = false;
  InstancePropertiesOverride properties;
};

InstanceOverride instance_override_from_stored(const std::string& json_text);
nlohmann::json to_json(const InstanceOverride& o);
// Applies the non-zero override properties to an instance view (instance_view.h); config keys
// are merged.
void apply_properties(nlohmann::json& view, const InstancePropertiesOverride& p);

// api.NetworkPlacement: where a source network lands on the target.
struct NetworkPlacement {
  std::string network;
  std::string nictype;  // managed | bridged | physical; "" in an override: not overridden
  std::string vlan_id;  // decimal text, "" for none
};

NetworkPlacement placement_from_stored(const std::string& json_text);
nlohmann::json to_json(const NetworkPlacement& p);
// The placement before overrides: the network's name as the reference derives it (last part of the
// location, spaces as dashes), nictype managed, no VLAN.
NetworkPlacement default_placement(const state::NetworkRecord& n);
// Non-empty override fields win.
NetworkPlacement effective_placement(const state::NetworkRecord& n);

}  // namespace mm::inventory
