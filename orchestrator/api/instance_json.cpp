#include "orchestrator/api/instance_json.h"

#include "orchestrator/api/api_error.h"
#include "orchestrator/api/json_fields.h"
#include "orchestrator/inventory/instance_view.h"

namespace mm::api {

nlohmann::json instance_to_json(const state::InstanceRecord& r, const std::string& source_name) {
  return {
      {"source", source_name},
      {"source_type", "vmware"},
      {"properties", inventory::instance_view(r, /*with_overrides=*/true)},
      {"last_update_from_source", r.last_update_from_source},
      {"overrides", inventory::to_json(inventory::instance_override_from_stored(r.override_json))},
      {"missing", r.missing}};
}

inventory::InstanceOverride parse_instance_override(std::string_view body) {
  const nlohmann::json j = parse_body_object(body);
  check_keys(
      j, {"last_update", "comment", "disable_migration", "ignore_restrictions", "properties"}, "");
  // last_update is echoed back by clients that edit a GET; its value is not ours to take.
  (void)opt_string(j, "last_update", "");
  inventory::InstanceOverride o;
  o.comment = opt_string(j, "comment", "").value_or("");
  o.disable_migration = opt_bool(j, "disable_migration", "").value_or(false);
  o.ignore_restrictions = opt_bool(j, "ignore_restrictions", "").value_or(false);
  auto it = j.find("properties");
  if (it != j.end() && !it->is_null()) {
    if (!it->is_object()) bad_field("", "properties", "must be an object");
    const nlohmann::json& p = *it;
    const std::string path = "properties";
    check_keys(
        p, {"name", "description", "cpus", "memory", "config", "os", "os_version", "architecture"},
        path);
    auto& q = o.properties;
    q.name = opt_string(p, "name", path).value_or("");
    if (!q.name.empty()) check_name(q.name, "properties.name");
    q.description = opt_string(p, "description", path).value_or("");
    q.cpus = opt_int(p, "cpus", path, 0, 4096).value_or(0);
    q.memory = opt_int(p, "memory", path, 0, int64_t{1} << 50).value_or(0);
    q.os = opt_string(p, "os", path).value_or("");
    q.os_version = opt_string(p, "os_version", path).value_or("");
    q.architecture = opt_string(p, "architecture", path).value_or("");
    if (!q.architecture.empty() && q.architecture != "x86_64" && q.architecture != "aarch64" &&
        q.architecture != "i686" && q.architecture != "armv7l" && q.architecture != "ppc64le" &&
        q.architecture != "s390x" && q.architecture != "riscv64") {
      bad_field(path, "architecture", "must be an architecture name such as \"x86_64\"");
    }
    auto c = p.find("config");
    if (c != p.end() && !c->is_null()) {
      if (!c->is_object()) bad_field(path, "config", "must be an object of strings");
      for (const auto& item : c->items()) {
        if (!item.value().is_string()) {
          bad_field("properties.config", item.key().c_str(), "must be a string");
        }
        q.config[item.key()] = item.value().get<std::string>();
      }
    }
  }
  return o;
}

}  // namespace mm::api
