// /1.0/artifacts, /1.0/artifacts/{uuid}, /1.0/artifacts/{uuid}/files and
// /1.0/artifacts/{uuid}/files/{name}, as the reference tool routes them: POST the metadata (answer:
// Location /1.0/artifacts/UUID), then POST the file's bytes to .../files. The bytes arrive spooled
// to a file by the transport (never in memory) and are checked, hashed and stored by
// orchestrator/artifacts.
#include <filesystem>
#include <fstream>

#include "orchestrator/api/api_error.h"
#include "orchestrator/api/router.h"
#include "orchestrator/artifacts/artifact_files.h"
#include "orchestrator/artifacts/artifact_meta.h"
#include "orchestrator/state/uuid.h"

namespace mm::api {
namespace {

namespace fs = std::filesystem;
using artifacts::ArtifactFiles;

state::ArtifactRecord existing(state::Store& store, const std::string& uuid) {
  auto a = store.get_artifact(uuid);
  if (!a) throw ApiError(404, "artifact \"" + uuid + "\" not found");
  return *a;
}

Response upload(const Request& req, const std::string& uuid, state::Store& store,
                const ArtifactFiles& files) {
  existing(store, uuid);
  std::string spooled = req.body_file;
  if (spooled.empty()) {
    // A caller that hands the router the bytes in memory (tests, a small body): spool them too.
    spooled = files.spool_path();
    std::ofstream(spooled, std::ios::binary) << req.body;
  }
  return sync_response(artifacts::artifact_to_json(files.accept(uuid, spooled)));
}

Response remove_file(const std::string& uuid, const std::string& name, state::Store& store,
                     const ArtifactFiles& files) {
  state::ArtifactRecord a = existing(store, uuid);
  std::vector<artifacts::ArtifactFile> kept;
  bool found = false;
  for (const auto& f : artifacts::files_of(a)) {
    if (f.name == name) {
      found = true;
    } else {
      kept.push_back(f);
    }
  }
  if (!found) {
    throw ApiError(404, "File \"" + name + "\" not found in artifact \"" + uuid + "\"");
  }
  // One file per artifact, and an SDK's extracted tree goes with its tarball.
  std::error_code ec;
  fs::remove_all(files.path_of(uuid), ec);
  a.files = artifacts::files_json(kept);
  a.last_updated = artifacts::now_rfc3339();
  store.update_artifact(a);
  return sync_response(nlohmann::json::object());
}

}  // namespace

Response handle_artifacts(const Request& req, const ParsedTarget& t, state::Store& store,
                          const ArtifactOptions& options) {
  if (options.dir.empty()) throw ApiError(503, "artifacts are not available on this server");
  const ArtifactFiles files(store, options.dir);
  const auto& s = t.segments;
  if (s.size() == 2) {
    if (req.method == "GET") {
      nlohmann::json out = nlohmann::json::array();
      for (const auto& a : store.list_artifacts()) out.push_back(artifacts::artifact_to_json(a));
      return sync_response(out);
    }
    if (req.method == "POST") {
      const artifacts::ArtifactMeta m = artifacts::parse_artifact_meta(req.body);
      state::ArtifactRecord a;
      a.uuid = state::random_uuid();
      a.type = m.type;
      a.description = m.description;
      a.properties = artifacts::properties_json(m);
      a.last_updated = artifacts::now_rfc3339();
      const state::ArtifactRecord created = store.create_artifact(a);
      Response r = sync_response(artifacts::artifact_to_json(created), 201);
      r.headers.emplace_back("Location", "/1.0/artifacts/" + created.uuid);
      return r;
    }
    return method_not_allowed("GET, POST");
  }
  if (s.size() < 3 || s.size() > 5) throw ApiError(404, "not found");
  const std::string& uuid = s[2];
  if (s.size() == 3) {
    if (req.method == "GET")
      return sync_response(artifacts::artifact_to_json(existing(store, uuid)));
    if (req.method == "PUT") {
      state::ArtifactRecord a = existing(store, uuid);
      const artifacts::ArtifactMeta m = artifacts::parse_artifact_meta(req.body);
      if (m.type != a.type) throw ApiError(400, "An artifact's type cannot be changed");
      // The upload's own facts (SDK version, library directory) stay with the new properties.
      nlohmann::json props = nlohmann::json::parse(artifacts::properties_json(m));
      const nlohmann::json old = nlohmann::json::parse(a.properties, nullptr, false);
      for (const char* k : {"sdk_version", "sdk_library_dir"}) {
        if (old.is_object() && old.contains(k)) props[k] = old[k];
      }
      a.description = m.description;
      a.properties = props.dump();
      a.last_updated = artifacts::now_rfc3339();
      return sync_response(artifacts::artifact_to_json(store.update_artifact(a)));
    }
    if (req.method == "DELETE") {
      existing(store, uuid);
      files.remove(uuid);
      return sync_response(nlohmann::json::object());
    }
    return method_not_allowed("GET, PUT, DELETE");
  }
  if (s[3] != "files") throw ApiError(404, "not found");
  if (s.size() == 4) {
    if (req.method == "POST") return upload(req, uuid, store, files);
    if (req.method == "GET")
      return sync_response(artifacts::artifact_to_json(existing(store, uuid))["files"]);
    return method_not_allowed("GET, POST");
  }
  if (req.method == "DELETE") return remove_file(uuid, s[4], store, files);
  return method_not_allowed("DELETE");
}

}  // namespace mm::api
