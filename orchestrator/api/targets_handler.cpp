// /1.0/targets and /1.0/targets/{name}: list, get, create, update, delete. Create and update
// answer with the connectivity check's outcome, as for sources (connectivity_answer.h).
#include "common/percent_encoding.h"
#include "orchestrator/api/connectivity_answer.h"
#include "orchestrator/api/named_collection.h"
#include "orchestrator/api/target_json.h"

namespace mm::api {
namespace {

struct Targets {
  static constexpr const char* kNoun = "target";
  static inline const std::string kPath = "/1.0/targets/";
  static auto list(state::Store& store) { return store.list_targets(); }
  static auto get(state::Store& store, const std::string& name) { return store.get_target(name); }
  static auto create(state::Store& store, const state::TargetRecord& r) {
    return store.create_target(r);
  }
  static auto update(state::Store& store, const std::string& name, const state::TargetRecord& r) {
    return store.update_target(name, r);
  }
  static void remove(state::Store& store, const std::string& name) { store.delete_target(name); }
  static auto parse(std::string_view body) { return parse_target(body); }
  static auto to_json(const state::TargetRecord& r) { return target_to_json(r); }
};

}  // namespace

Response handle_targets(const Request& req, const ParsedTarget& t, state::Store& store,
                        inventory::Connectivity* c) {
  const auto& s = t.segments;
  auto check = [&](const state::TargetRecord& r) {
    return c ? c->check_target(r.name)
             : inventory::ConnectivityResult{r.connectivity_status, "", true, ""};
  };
  if (s.size() == 2 && req.method == "POST") {
    const state::TargetRecord created = store.create_target(parse_target(req.body));
    return connectivity_answer(check(created), 201,
                               Targets::kPath + mm::percent_encode(created.name));
  }
  if (s.size() == 3 && req.method == "PUT") {
    const state::TargetRecord updated = store.update_target(s[2], parse_target(req.body));
    return connectivity_answer(check(updated), 200,
                               Targets::kPath + mm::percent_encode(updated.name));
  }
  return handle_named_collection<Targets>(req, t, store);
}

}  // namespace mm::api
