// /1.0/sources and /1.0/sources/{name}: list, get, create, update, delete.
#include "orchestrator/api/api_error.h"
#include "orchestrator/api/router.h"
#include "orchestrator/api/source_json.h"

namespace mm::api {

Response handle_sources(const Request& req, const ParsedTarget& t, state::Store& store) {
  const auto& s = t.segments;
  if (s.size() == 2) {
    if (req.method == "GET") {
      const auto it = t.query.find("recursion");
      const bool full = it != t.query.end() && it->second != "0" && !it->second.empty();
      nlohmann::json out = nlohmann::json::array();
      for (const auto& src : store.list_sources()) {
        if (full) {
          out.push_back(source_to_json(src));
        } else {
          out.push_back("/1.0/sources/" + encode_segment(src.name));
        }
      }
      return sync_response(out);
    }
    if (req.method == "POST") {
      const state::SourceRecord created = store.create_source(parse_source(req.body));
      Response r = sync_response(source_to_json(created), 201);
      r.headers.emplace_back("Location", "/1.0/sources/" + encode_segment(created.name));
      return r;
    }
    return method_not_allowed("GET, POST");
  }
  if (s.size() != 3) throw ApiError(404, "not found");
  const std::string& name = s[2];
  if (req.method == "GET") {
    auto src = store.get_source(name);
    if (!src) throw ApiError(404, "source \"" + name + "\" not found");
    return sync_response(source_to_json(*src));
  }
  if (req.method == "PUT") {
    return sync_response(source_to_json(store.update_source(name, parse_source(req.body))));
  }
  if (req.method == "DELETE") {
    store.delete_source(name);
    return sync_response(nlohmann::json::object());
  }
  return method_not_allowed("GET, PUT, DELETE");
}

}  // namespace mm::api
