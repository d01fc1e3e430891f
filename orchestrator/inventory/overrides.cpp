#include "orchestrator/inventory/overrides.h"

#include "orchestrator/inventory/clock.h"

namespace mm::inventory {
namespace {

nlohmann::json parse_object(const std::string& text) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  return j.is_object() ? j : nlohmann::json::object();
}

template <class T>
T get_or(const nlohmann::json& j, const char* key, T fallback) {
  auto it = j.find(key);
  if (it == j.end()) return fallback;
  try {
    return it->get<T>();
  } catch (...) {
    return fallback;
  }
}

}  // namespace

InstanceOverride instance_override_from_stored(const std::string& json_text) {
  const nlohmann::json j = parse_object(json_text);
  InstanceOverride o;
  o.last_update = get_or<std::string>(j, "last_update", kZeroTime);
  o.comment = get_or<std::string>(j, "comment", "");
  o.disable_migration = get_or<bool>(j, "disable_migration", false);
  o.ignore_restrictions = get_or<bool>(j, "ignore_restrictions", false);
  const nlohmann::json p = get_or<nlohmann::json>(j, "properties", nlohmann::json::object());
  if (p.is_object()) {
    o.properties.name = get_or<std::string>(p, "name", "");
    o.properties.description = get_or<std::string>(p, "description", "");
    o.properties.cpus = get_or<int64_t>(p, "cpus", 0);
    o.properties.memory = get_or<int64_t>(p, "memory", 0);
    o.properties.config = get_or<std::map<std::string, std::string>>(p, "config", {});
    o.properties.os = get_or<std::string>(p, "os", "");
    o.properties.os_version = get_or<std::string>(p, "os_version", "");
    o.properties.architecture = get_or<std::string>(p, "architecture", "");
  }
  return o;
}

nlohmann::json to_json(const InstanceOverride& o) {
  return {{"last_update", o.last_update},
          {"comment", o.comment},
          {"disable_migration", o.disable_migration},
          {"ignore_restrictions", o.ignore_restrictions},
          {"properties",
           {{"name", o.properties.name},
            {"description", o.properties.description},
            {"cpus", o.properties.cpus},
            {"memory", o.properties.memory},
            {"config", o.properties.config},
            {"os", o.properties.os},
            {"os_version", o.properties.os_version},
            {"architecture", o.properties.architecture}}}};
}

void apply_properties(nlohmann::json& view, const InstancePropertiesOverride& p) {
  if (!p.name.empty()) view["name"] = p.name;
  if (!p.description.empty()) view["description"] = p.description;
  if (!p.os.empty()) view["os"] = p.os;
  if (!p.os_version.empty()) view["os_version"] = p.os_version;
  if (!p.architecture.empty()) view["architecture"] = p.architecture;
  if (p.cpus != 0) view["cpus"] = p.cpus;
  if (p.memory != 0) view["memory"] = p.memory;
  if (!view["config"].is_object()) view["config"] = nlohmann::json::object();
  for (const auto& [k, v] : p.config) view["config"][k] = v;
}

NetworkPlacement placement_from_stored(const std::string& json_text) {
  const nlohmann::json j = parse_object(json_text);
  return {get_or<std::string>(j, "network", ""), get_or<std::string>(j, "nictype", ""),
          get_or<std::string>(j, "vlan_id", "")};
}

nlohmann::json to_json(const NetworkPlacement& p) {
  return {{"network", p.network}, {"nictype", p.nictype}, {"vlan_id", p.vlan_id}};
}

NetworkPlacement default_placement(const state::NetworkRecord& n) {
  std::string base = n.location;
  const size_t slash = base.find_last_of('/');
  if (slash != std::string::npos) base = base.substr(slash + 1);
  if (base.empty()) base = n.identifier;
  for (char& c : base) {
    if (c == ' ') c = '-';
  }
  return {base, "managed", ""};
}

NetworkPlacement effective_placement(const state::NetworkRecord& n) {
  NetworkPlacement p = default_placement(n);
  const NetworkPlacement o = placement_from_stored(n.override_json);
  if (!o.network.empty()) p.network = o.network;
  if (!o.nictype.empty()) p.nictype = o.nictype;
  if (!o.vlan_id.empty()) p.vlan_id = o.vlan_id;
  return p;
}

}  // namespace mm::inventory
