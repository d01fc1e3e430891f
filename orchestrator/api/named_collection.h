#pragma once
// The routes every named collection shares (/1.0/sources, /1.0/targets, ...): list (names, or full
// objects with ?recursion=1), create, get, update and delete by name. A collection supplies its
// names and its store and JSON functions as a traits type; the HTTP shape lives here once.
#include <string>

#include "common/percent_encoding.h"
#include "orchestrator/api/api_error.h"
#include "orchestrator/api/router.h"

namespace mm::api {

// Traits needs: static constexpr const char* kNoun ("source"), kPath ("/1.0/sources/");
// list(store), get(store, name) -> optional, create(store, record), update(store, name, record),
// remove(store, name), parse(body) -> record, to_json(record).
template <class Traits>
Response handle_named_collection(const Request& req, const ParsedTarget& t, state::Store& store) {
  const auto& s = t.segments;
  if (s.size() == 2) {
    if (req.method == "GET") {
      const auto it = t.query.find("recursion");
      const bool full = it != t.query.end() && it->second != "0" && !it->second.empty();
      nlohmann::json out = nlohmann::json::array();
      for (const auto& record : Traits::list(store)) {
        if (full) {
          out.push_back(Traits::to_json(record));
        } else {
          out.push_back(Traits::kPath + mm::percent_encode(record.name));
        }
      }
      return sync_response(out);
    }
    if (req.method == "POST") {
      const auto created = Traits::create(store, Traits::parse(req.body));
      Response r = sync_response(Traits::to_json(created), 201);
      r.headers.emplace_back("Location", Traits::kPath + mm::percent_encode(created.name));
      return r;
    }
    return method_not_allowed("GET, POST");
  }
  if (s.size() != 3) throw ApiError(404, "not found");
  const std::string& name = s[2];
  if (req.method == "GET") {
    auto record = Traits::get(store, name);
    if (!record) throw ApiError(404, std::string(Traits::kNoun) + " \"" + name + "\" not found");
    return sync_response(Traits::to_json(*record));
  }
  if (req.method == "PUT") {
    return sync_response(Traits::to_json(Traits::update(store, name, Traits::parse(req.body))));
  }
  if (req.method == "DELETE") {
    Traits::remove(store, name);
    return sync_response(nlohmann::json::object());
  }
  return method_not_allowed("GET, PUT, DELETE");
}

}  // namespace mm::api
