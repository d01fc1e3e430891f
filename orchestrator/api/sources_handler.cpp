// /1.0/sources and /1.0/sources/{name}: list, get, create, update, delete.
#include "orchestrator/api/named_collection.h"
#include "orchestrator/api/source_json.h"

namespace mm::api {
namespace {

struct Sources {
  static constexpr const char* kNoun = "source";
  static inline const std::string kPath = "/1.0/sources/";
  static auto list(state::Store& store) { return store.list_sources(); }
  static auto get(state::Store& store, const std::string& name) { return store.get_source(name); }
  static auto create(state::Store& store, const state::SourceRecord& r) {
    return store.create_source(r);
  }
  static auto update(state::Store& store, const std::string& name, const state::SourceRecord& r) {
    return store.update_source(name, r);
  }
  static void remove(state::Store& store, const std::string& name) { store.delete_source(name); }
  static auto parse(std::string_view body) { return parse_source(body); }
  static auto to_json(const state::SourceRecord& r) { return source_to_json(r); }
};

}  // namespace

Response handle_sources(const Request& req, const ParsedTarget& t, state::Store& store) {
  return handle_named_collection<Sources>(req, t, store);
}

}  // namespace mm::api
