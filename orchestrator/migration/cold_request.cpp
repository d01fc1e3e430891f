#include "orchestrator/migration/cold_request.h"

#include <set>
#include <stdexcept>

#include "orchestrator/inventory/instance_view.h"
#include "orchestrator/inventory/overrides.h"
#include "orchestrator/state/instance_name.h"

namespace mm::migration {
namespace {

using nlohmann::json;

std::string string_field(const json& body, const char* key, bool required) {
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) {
    if (required) throw std::invalid_argument(std::string(key) + ": required");
    return "";
  }
  if (!it->is_string()) throw std::invalid_argument(std::string(key) + ": must be a string");
  return it->get<std::string>();
}

// A Starlark string literal: JSON's escaping is valid Starlark for these strings.
std::string starlark_string(const std::string& s) {
  return json(s).dump();
}

}  // namespace

ColdRequest parse_cold_request(const json& body) {
  if (!body.is_object()) throw std::invalid_argument("the body must be a JSON object");
  static const std::set<std::string> kKnown = {"instance", "kind", "target",
                                               "project",  "pool", "network_map"};
  for (auto it = body.begin(); it != body.end(); ++it) {
    if (!kKnown.count(it.key())) throw std::invalid_argument("unknown field \"" + it.key() + "\"");
  }
  ColdRequest r;
  r.instance = string_field(body, "instance", true);
  if (r.instance.empty()) throw std::invalid_argument("instance: must not be empty");
  const std::string kind = string_field(body, "kind", false);
  if (!kind.empty() && kind != "cold") {
    throw std::invalid_argument(
        "kind: only \"cold\" is supported here (warm migrations are batches)");
  }
  r.target = string_field(body, "target", true);
  if (r.target.empty()) throw std::invalid_argument("target: must not be empty");
  r.project = string_field(body, "project", false);
  r.pool = string_field(body, "pool", false);
  if (auto it = body.find("network_map"); it != body.end() && !it->is_null()) {
    if (!it->is_object()) throw std::invalid_argument("network_map: must be an object");
    for (auto m = it->begin(); m != it->end(); ++m) {
      if (!m->is_string() || m->get<std::string>().empty() || m.key().empty()) {
        throw std::invalid_argument("network_map: entries must be \"SOURCE\": \"TARGET\"");
      }
      r.network_map[m.key()] = m->get<std::string>();
    }
  }
  return r;
}

state::InstanceRecord find_instance(state::Store& store, const std::string& name) {
  std::vector<state::InstanceRecord> found;
  for (state::InstanceRecord& r : store.list_instances()) {
    if (r.missing) continue;
    if (r.uuid == name) return r;
    if (r.name == name || state::target_instance_name(r.name) == name) found.push_back(r);
  }
  if (found.empty()) throw std::invalid_argument("instance \"" + name + "\" not found");
  if (found.size() > 1) {
    throw std::invalid_argument("instance name \"" + name + "\" is not unique: use its UUID");
  }
  return found.front();
}

std::string network_display_name(const state::NetworkRecord& n) {
  std::string base = n.location;
  const size_t slash = base.find_last_of('/');
  if (slash != std::string::npos) base = base.substr(slash + 1);
  return base.empty() ? n.identifier : base;
}

bool network_matches(const state::NetworkRecord& n, const std::string& name) {
  return name == network_display_name(n) || name == n.location || name == n.identifier;
}

std::string network_map_scriptlet(const json& view,
                                  const std::vector<state::NetworkRecord>& networks,
                                  const std::map<std::string, std::string>& network_map) {
  if (network_map.empty()) return "";
  std::set<std::string> used;
  std::string body;
  for (const auto& nic : view.value("nics", json::array())) {
    const std::string net_uuid = nic.value("uuid", std::string());
    const std::string hwaddr = nic.value("hardware_address", std::string());
    for (const state::NetworkRecord& n : networks) {
      if (n.uuid != net_uuid) continue;
      for (const auto& [src, dst] : network_map) {
        if (!network_matches(n, src)) continue;
        used.insert(src);
        body += "    set_network(" + starlark_string(hwaddr) + ", " + starlark_string(dst) +
                ", \"managed\", \"\")\n";
        break;
      }
    }
  }
  for (const auto& [src, dst] : network_map) {
    if (!used.count(src)) {
      throw std::invalid_argument("network_map: \"" + src +
                                  "\" is not the network of any of the instance's NICs");
    }
  }
  return "def placement(instance, batch):\n" + body;
}

std::string cold_batch_name(const state::InstanceRecord& instance) {
  return "cold-" + state::target_instance_name(instance.name);
}

batch::BatchConfig cold_batch(const ColdRequest& request, const state::InstanceRecord& instance,
                              const std::vector<state::NetworkRecord>& networks) {
  batch::BatchConfig b;
  b.name = cold_batch_name(instance);
  b.kind = "cold";
  b.include_expression = "uuid == " + json(instance.uuid).dump();
  b.placement.target = request.target;
  if (!request.project.empty()) b.placement.target_project = request.project;
  if (!request.pool.empty()) b.placement.storage_pool = request.pool;
  b.placement_scriptlet = network_map_scriptlet(inventory::instance_view(instance, true), networks,
                                                request.network_map);
  // Preflight tells the user about unknown OS and IPv4; neither stops a cold migration (the
  // inspection finds the OS on the copied disk), and it needs no change tracking.
  b.instance_restriction_overrides = {true, true, true};
  b.post_migration_retries = 0;
  return b;
}

}  // namespace mm::migration
