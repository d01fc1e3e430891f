#include "orchestrator/inventory/instance_view.h"

#include "orchestrator/inventory/status.h"

namespace mm::inventory {
namespace {

const nlohmann::json& member(const nlohmann::json& j, const char* key,
                             const nlohmann::json& fallback) {
  auto it = j.find(key);
  return it == j.end() ? fallback : *it;
}

}  // namespace

nlohmann::json instance_view(const state::InstanceRecord& r, bool with_overrides) {
  nlohmann::json props = nlohmann::json::parse(r.properties, nullptr, false);
  if (!props.is_object()) props = nlohmann::json::object();
  static const nlohmann::json kEmptyString = "";
  static const nlohmann::json kFalse = false;
  static const nlohmann::json kEmptyArray = nlohmann::json::array();
  static const nlohmann::json kEmptyObject = nlohmann::json::object();
  nlohmann::json v = {
      {"uuid", r.uuid},
      {"source_specific_id", member(props, "source_specific_id", kEmptyString)},
      {"name", r.name},
      {"description", member(props, "description", kEmptyString)},
      {"cpus", r.cpus},
      {"memory", r.memory_bytes},
      {"config", member(props, "config", kEmptyObject)},
      {"os", r.os},
      {"os_version", r.os_version},
      {"architecture", r.architecture},
      {"location", r.inventory_path},
      {"secure_boot", r.secure_boot},
      {"legacy_boot", r.legacy_boot},
      {"tpm", r.tpm},
      {"running", member(props, "running", kFalse)},
      {"background_import", r.background_import},
      {"nics", member(props, "nics", kEmptyArray)},
      {"disks", member(props, "disks", kEmptyArray)},
      {"snapshots", member(props, "snapshots", kEmptyArray)},
  };
  if (with_overrides)
    apply_properties(v, instance_override_from_stored(r.override_json).properties);
  return v;
}

std::optional<std::string> restriction(const nlohmann::json& v, const InstanceOverride& o,
                                       const RestrictionAllowances& allow) {
  if (o.disable_migration) return "Migration is manually disabled";
  if (o.ignore_restrictions) return std::nullopt;
  auto str = [&](const char* key) {
    auto it = v.find(key);
    return it != v.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  if (!allow.allow_unknown_os && (str("os").empty() || str("os_version").empty())) {
    return "Could not determine instance OS, check if guest agent is running";
  }
  const nlohmann::json nics = v.value("nics", nlohmann::json::array());
  bool has_ipv4 = nics.empty();
  for (const auto& nic : nics) {
    if (!nic.value("ipv4_address", std::string()).empty()) has_ipv4 = true;
  }
  if (!has_ipv4 && !allow.allow_no_ipv4)
    return "Could not determine instance IP, check if guest agent is running";
  if (!v.value("background_import", false) && !allow.allow_no_background_import)
    return "Background import is not supported";
  for (const auto& d : v.value("disks", nlohmann::json::array())) {
    if (!d.value("supported", true)) {
      return "Disk " + go_quote(d.value("name", std::string())) + " does not support snapshots";
    }
  }
  return std::nullopt;
}

}  // namespace mm::inventory
