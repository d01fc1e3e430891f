// /1.0/targets and /1.0/targets/{name}: list, get, create, update, delete.
#include "orchestrator/api/api_error.h"
#include "orchestrator/api/router.h"
#include "orchestrator/api/target_json.h"

namespace mm::api {

Response handle_targets(const Request& req, const ParsedTarget& t, state::Store& store) {
  const auto& s = t.segments;
  if (s.size() == 2) {
    if (req.method == "GET") {
      const auto it = t.query.find("recursion");
      const bool full = it != t.query.end() && it->second != "0" && !it->second.empty();
      nlohmann::json out = nlohmann::json::array();
      for (const auto& tgt : store.list_targets()) {
        if (full) {
          out.push_back(target_to_json(tgt));
        } else {
          out.push_back("/1.0/targets/" + encode_segment(tgt.name));
        }
      }
      return sync_response(out);
    }
    if (req.method == "POST") {
      const state::TargetRecord created = store.create_target(parse_target(req.body));
      Response r = sync_response(target_to_json(created), 201);
      r.headers.emplace_back("Location", "/1.0/targets/" + encode_segment(created.name));
      return r;
    }
    return method_not_allowed("GET, POST");
  }
  if (s.size() != 3) throw ApiError(404, "not found");
  const std::string& name = s[2];
  if (req.method == "GET") {
    auto tgt = store.get_target(name);
    if (!tgt) throw ApiError(404, "target \"" + name + "\" not found");
    return sync_response(target_to_json(*tgt));
  }
  if (req.method == "PUT") {
    return sync_response(target_to_json(store.update_target(name, parse_target(req.body))));
  }
  if (req.method == "DELETE") {
    store.delete_target(name);
    return sync_response(nlohmann::json::object());
  }
  return method_not_allowed("GET, PUT, DELETE");
}

}  // namespace mm::api
