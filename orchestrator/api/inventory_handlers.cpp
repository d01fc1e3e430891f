// The inventory routes: /1.0/instances (+ /{uuid}, /{uuid}/override), /1.0/networks (+ /{uuid},
// /{uuid}/override) and /1.0/warnings (+ /{uuid}). Rows come from source syncs; the API only reads
// them and edits the user's overrides and the warnings' status.
#include <map>
#include <optional>

#include "common/percent_encoding.h"
#include "orchestrator/api/api_error.h"
#include "orchestrator/api/instance_json.h"
#include "orchestrator/api/network_json.h"
#include "orchestrator/api/router.h"
#include "orchestrator/api/warning_json.h"
#include "orchestrator/batch/batch_match.h"
#include "orchestrator/expr/error.h"
#include "orchestrator/expr/program.h"
#include "orchestrator/inventory/clock.h"

namespace mm::api {
namespace {

std::map<int64_t, std::string> source_names(state::Store& store) {
  std::map<int64_t, std::string> out;
  for (const auto& s : store.list_sources()) out[s.id] = s.name;
  return out;
}

std::string name_of(const std::map<int64_t, std::string>& names, int64_t id) {
  auto it = names.find(id);
  return it == names.end() ? "" : it->second;
}

bool recursion(const ParsedTarget& t) {
  const auto it = t.query.find("recursion");
  return it != t.query.end() && it->second != "0" && !it->second.empty();
}

state::InstanceRecord instance_or_404(state::Store& store, const std::string& uuid) {
  auto r = store.get_instance(uuid);
  if (!r) throw ApiError(404, "instance \"" + uuid + "\" not found");
  return *r;
}

state::NetworkRecord network_or_404(state::Store& store, const std::string& uuid) {
  auto r = store.get_network(uuid);
  if (!r) throw ApiError(404, "network \"" + uuid + "\" not found");
  return *r;
}

Response instance_override(const Request& req, const std::string& uuid, state::Store& store) {
  const state::InstanceRecord r = instance_or_404(store, uuid);
  const std::string location = "/1.0/instances/" + mm::percent_encode(uuid) + "/override";
  if (req.method == "GET") {
    return sync_response(
        inventory::to_json(inventory::instance_override_from_stored(r.override_json)));
  }
  if (req.method == "PUT" || req.method == "POST") {
    inventory::InstanceOverride o = parse_instance_override(req.body);
    o.last_update = inventory::now_rfc3339();
    const nlohmann::json j = inventory::to_json(o);
    store.set_instance_override(uuid, j.dump());
    Response out = sync_response(j, req.method == "POST" ? 201 : 200);
    out.headers.emplace_back("Location", location);
    return out;
  }
  if (req.method == "DELETE") {
    store.set_instance_override(uuid, "{}");
    return sync_response(nlohmann::json::object());
  }
  return method_not_allowed("GET, PUT, POST, DELETE");
}

Response list_instances(const ParsedTarget& t, state::Store& store) {
  std::optional<expr::Program> filter;
  if (auto it = t.query.find("include_expression"); it != t.query.end() && !it->second.empty()) {
    try {
      filter = expr::compile_include(it->second);
    } catch (const expr::ExprError& e) {
      throw ApiError(400, std::string("invalid include_expression: ") + e.what());
    }
  }
  const bool full = filter || recursion(t);
  const auto names = source_names(store);
  nlohmann::json out = nlohmann::json::array();
  for (const auto& r : store.list_instances()) {
    if (filter) {
      try {
        if (!expr::matches_instance(*filter,
                                    batch::filterable_view(r, name_of(names, r.source_id)))) {
          continue;
        }
      } catch (const expr::ExprError& e) {
        throw ApiError(400, std::string("invalid include_expression: ") + e.what());
      }
    }
    if (full) {
      out.push_back(instance_to_json(r, name_of(names, r.source_id)));
    } else {
      out.push_back("/1.0/instances/" + mm::percent_encode(r.uuid));
    }
  }
  return sync_response(out);
}

}  // namespace

Response handle_instances(const Request& req, const ParsedTarget& t, state::Store& store) {
  const auto& s = t.segments;
  if (s.size() == 2) {
    if (req.method != "GET") return method_not_allowed("GET");
    return list_instances(t, store);
  }
  if (s.size() == 4 && s[3] == "override") return instance_override(req, s[2], store);
  if (s.size() != 3) throw ApiError(404, "not found");
  if (req.method != "GET") return method_not_allowed("GET");
  const state::InstanceRecord r = instance_or_404(store, s[2]);
  return sync_response(instance_to_json(r, name_of(source_names(store), r.source_id)));
}

Response handle_networks(const Request& req, const ParsedTarget& t, state::Store& store) {
  const auto& s = t.segments;
  if (s.size() == 2) {
    if (req.method != "GET") return method_not_allowed("GET");
    const bool full = recursion(t);
    const auto names = source_names(store);
    nlohmann::json out = nlohmann::json::array();
    for (const auto& n : store.list_networks()) {
      if (full) {
        out.push_back(network_to_json(n, name_of(names, n.source_id)));
      } else {
        out.push_back("/1.0/networks/" + mm::percent_encode(n.uuid));
      }
    }
    return sync_response(out);
  }
  const bool override_path = s.size() == 4 && s[3] == "override";
  if (s.size() != 3 && !override_path) throw ApiError(404, "not found");
  const state::NetworkRecord n = network_or_404(store, s[2]);
  if (req.method == "GET") {
    if (override_path) {
      return sync_response(inventory::to_json(inventory::placement_from_stored(n.override_json)));
    }
    return sync_response(network_to_json(n, name_of(source_names(store), n.source_id)));
  }
  if (req.method == "PUT") {
    const inventory::NetworkPlacement p = parse_network_override(req.body);
    store.set_network_override(n.uuid, inventory::to_json(p).dump());
    const state::NetworkRecord updated = network_or_404(store, n.uuid);
    Response out =
        sync_response(network_to_json(updated, name_of(source_names(store), n.source_id)));
    out.headers.emplace_back("Location", "/1.0/networks/" + mm::percent_encode(n.uuid));
    return out;
  }
  if (req.method == "DELETE" && override_path) {
    store.set_network_override(n.uuid, "{}");
    return sync_response(nlohmann::json::object());
  }
  return method_not_allowed(override_path ? "GET, PUT, DELETE" : "GET, PUT");
}

Response handle_warnings(const Request& req, const ParsedTarget& t, state::Store& store) {
  const auto& s = t.segments;
  if (s.size() == 2) {
    if (req.method != "GET") return method_not_allowed("GET");
    // As the reference: always the objects (with or without ?recursion=1).
    nlohmann::json out = nlohmann::json::array();
    for (const auto& w : store.list_warnings()) out.push_back(warning_to_json(w));
    return sync_response(out);
  }
  if (s.size() != 3) throw ApiError(404, "not found");
  auto w = store.get_warning(s[2]);
  if (!w) throw ApiError(404, "warning \"" + s[2] + "\" not found");
  if (req.method == "GET") return sync_response(warning_to_json(*w));
  if (req.method == "PUT" || req.method == "PATCH") {
    store.set_warning_status(w->uuid, parse_warning_status(req.body));
    Response out = sync_response(warning_to_json(*store.get_warning(w->uuid)));
    out.headers.emplace_back("Location", "/1.0/warnings/" + mm::percent_encode(w->uuid));
    return out;
  }
  return method_not_allowed("GET, PUT, PATCH");
}

}  // namespace mm::api
