#include "orchestrator/api/network_json.h"

#include "orchestrator/api/api_error.h"
#include "orchestrator/api/json_fields.h"

namespace mm::api {

nlohmann::json network_to_json(const state::NetworkRecord& n, const std::string& source_name) {
  nlohmann::json props = nlohmann::json::parse(n.properties, nullptr, false);
  if (props.is_discarded()) props = nlohmann::json::object();
  return {{"uuid", n.uuid},
          {"source_specific_id", n.identifier},
          {"source", source_name},
          {"type", n.type},
          {"location", n.location},
          {"properties", props},
          {"placement", inventory::to_json(inventory::effective_placement(n))},
          {"overrides", inventory::to_json(inventory::placement_from_stored(n.override_json))},
          {"missing", n.missing}};
}

inventory::NetworkPlacement parse_network_override(std::string_view body) {
  const nlohmann::json j = parse_body_object(body);
  check_keys(j, {"network", "nictype", "vlan_id"}, "");
  inventory::NetworkPlacement p;
  p.network = opt_string(j, "network", "").value_or("");
  if (!p.network.empty()) check_name(p.network, "network");
  p.nictype = opt_string(j, "nictype", "").value_or("");
  if (!p.nictype.empty() && p.nictype != "managed" && p.nictype != "bridged" &&
      p.nictype != "physical") {
    bad_field("", "nictype", "must be \"managed\", \"bridged\" or \"physical\"");
  }
  auto v = j.find("vlan_id");
  if (v != j.end() && !v->is_null()) {
    int64_t id = 0;
    if (v->is_number_integer()) {
      id = opt_int(j, "vlan_id", "", 1, 4094).value_or(0);
    } else if (v->is_string()) {
      const std::string s = v->get<std::string>();
      if (!s.empty()) {
        if (s.size() > 4 || s.find_first_not_of("0123456789") != std::string::npos) {
          bad_field("", "vlan_id", "must be a VLAN ID between 1 and 4094");
        }
        id = std::stoll(s);
      }
    } else {
      bad_field("", "vlan_id", "must be a VLAN ID between 1 and 4094");
    }
    if (v->is_string() && v->get<std::string>().empty()) {
      p.vlan_id = "";
    } else if (id < 1 || id > 4094) {
      bad_field("", "vlan_id", "must be a VLAN ID between 1 and 4094");
    } else {
      p.vlan_id = std::to_string(id);
    }
  }
  return p;
}

}  // namespace mm::api
