// /1.0/sources, /1.0/sources/{name} and /1.0/sources/{name}/:sync (alias /sync). Create and update
// answer, as the reference tool does, with the connectivity check's outcome rather than the object:
//   {"ConnectivityStatus": "Confirm TLS fingerprint", "certFingerprint": "ba4f..."}
#include "common/percent_encoding.h"
#include "orchestrator/api/connectivity_answer.h"
#include "orchestrator/api/named_collection.h"
#include "orchestrator/api/source_json.h"
#include "orchestrator/artifacts/disk_access.h"

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

inventory::ConnectivityResult check(inventory::Connectivity* c, const state::SourceRecord& s) {
  if (!c) return {s.connectivity_status, "", true, ""};
  return c->check_source(s.name);
}

Response sync_now(const Request& req, const std::string& name, state::Store& store,
                  inventory::Connectivity* c) {
  if (req.method != "POST") return method_not_allowed("POST");
  if (!store.get_source(name)) throw ApiError(404, "source \"" + name + "\" not found");
  if (!c || !c->can_sync_sources()) {
    throw ApiError(503, "cannot sync source \"" + name + "\": no source client is configured");
  }
  const inventory::ConnectivityResult r = c->check_source(name);
  if (r.finished && !r.error.empty()) {
    throw ApiError(503, "failed to sync source \"" + name + "\": " + r.status);
  }
  // Unfinished within the wait: the sync goes on in the background; `source list` shows the end.
  return sync_response(nlohmann::json::object());
}

// The source plus how its disks are read now (read only: a PUT ignores it).
nlohmann::json with_disk_access(state::Store& store, const state::SourceRecord& r,
                                const ArtifactOptions& a) {
  nlohmann::json j = source_to_json(r);
  const auto sdk = a.dir.empty() ? std::nullopt : artifacts::find_sdk(store, a.dir);
  j["properties"]["disk_access_path"] =
      artifacts::choose_disk_access(r, sdk, a.datastore_dirs).description;
  return j;
}

}  // namespace

Response handle_sources(const Request& req, const ParsedTarget& t, state::Store& store,
                        inventory::Connectivity* c, const ArtifactOptions& art) {
  const auto& s = t.segments;
  if (req.method == "GET" && s.size() == 3) {
    const auto r = store.get_source(s[2]);
    if (!r) throw ApiError(404, "source \"" + s[2] + "\" not found");
    return sync_response(with_disk_access(store, *r, art));
  }
  if (req.method == "GET" && s.size() == 2 && t.query.count("recursion") &&
      t.query.at("recursion") != "0" && !t.query.at("recursion").empty()) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& r : store.list_sources()) out.push_back(with_disk_access(store, r, art));
    return sync_response(out);
  }
  // ":sync" is the reference's route; "sync" is accepted as well, so a client that drops the colon
  // is not told "not found".
  if (s.size() == 4 && (s[3] == ":sync" || s[3] == "sync")) return sync_now(req, s[2], store, c);
  if (s.size() == 2 && req.method == "POST") {
    const state::SourceRecord created = store.create_source(parse_source(req.body));
    return connectivity_answer(check(c, created), 201,
                               "/1.0/sources/" + mm::percent_encode(created.name));
  }
  if (s.size() == 3 && req.method == "PUT") {
    const state::SourceRecord updated = store.update_source(s[2], parse_source(req.body));
    return connectivity_answer(check(c, updated), 200,
                               "/1.0/sources/" + mm::percent_encode(updated.name));
  }
  return handle_named_collection<Sources>(req, t, store);
}

}  // namespace mm::api
