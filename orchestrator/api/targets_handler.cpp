// /1.0/targets and /1.0/targets/{name}: list, get, create, update, delete.
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

Response handle_targets(const Request& req, const ParsedTarget& t, state::Store& store) {
  return handle_named_collection<Targets>(req, t, store);
}

}  // namespace mm::api
