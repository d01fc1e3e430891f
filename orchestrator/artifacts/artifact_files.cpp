#include "orchestrator/artifacts/artifact_files.h"

#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <ctime>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "orchestrator/artifacts/artifact_content.h"
#include "orchestrator/artifacts/artifact_meta.h"
#include "orchestrator/state/uuid.h"

namespace mm::artifacts {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// Removes a path on scope exit unless released.
struct Cleanup {
  std::string path;
  ~Cleanup() {
    std::error_code ec;
    if (!path.empty()) fs::remove_all(path, ec);
  }
};

// A uuid as a directory name: only what random_uuid() produces, so a path can never escape dir.
bool safe_uuid(const std::string& u) {
  return !u.empty() && u.size() <= 64 &&
         u.find_first_not_of("0123456789abcdefABCDEF-") == std::string::npos;
}

}  // namespace

std::string now_rfc3339() {
  const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string ArtifactFiles::spool_path() const {
  fs::create_directories(dir_);
  ::chmod(dir_.c_str(), 0700);
  return (fs::path(dir_) / (".upload-" + state::random_uuid())).string();
}

std::string ArtifactFiles::path_of(const std::string& uuid) const {
  if (!safe_uuid(uuid)) throw ArtifactError("Invalid artifact UUID \"" + uuid + "\"");
  return (fs::path(dir_) / uuid).string();
}

state::ArtifactRecord ArtifactFiles::accept(const std::string& uuid,
                                            const std::string& spooled) const {
  Cleanup spool{spooled};
  auto rec = store_.get_artifact(uuid);
  if (!rec) {
    throw state::StoreError(state::StoreError::Kind::kNotFound,
                            "artifact \"" + uuid + "\" not found");
  }
  const ArtifactMeta meta = meta_of(*rec);
  json props = json::parse(rec->properties, nullptr, false);
  if (!props.is_object()) props = json::object();
  SdkLayout sdk;
  if (meta.type == "sdk") {
    sdk = check_sdk_tarball(spooled);
  } else if (meta.type == "driver") {
    check_iso(spooled);
  }
  ArtifactFile file{default_file_name(meta), fs::file_size(spooled), sha256_file(spooled)};
  if (file.size == 0) throw ArtifactError("The uploaded file is empty");

  // Built beside the final directory and swapped in, so a failed extraction leaves the previous
  // upload (and any migration reading through it) untouched.
  const std::string final_dir = path_of(uuid);
  const std::string staging = final_dir + ".new";
  Cleanup stage{staging};
  fs::remove_all(staging);
  fs::create_directories(staging);
  fs::rename(spooled, fs::path(staging) / file.name);
  spool.path.clear();
  if (meta.type == "sdk") {
    extract_tarball((fs::path(staging) / file.name).string(), staging);
    props["sdk_version"] = sdk.version;
    props["sdk_library_dir"] = sdk.library_dir;
  }
  const std::string old = final_dir + ".old";
  fs::remove_all(old);
  if (fs::exists(final_dir)) fs::rename(final_dir, old);
  fs::rename(staging, final_dir);
  stage.path.clear();
  fs::remove_all(old);

  rec->files = files_json({file});
  rec->properties = props.dump();
  rec->last_updated = now_rfc3339();
  return store_.update_artifact(*rec);
}

void ArtifactFiles::remove(const std::string& uuid) const {
  const std::string path = path_of(uuid);
  store_.delete_artifact(uuid);
  std::error_code ec;
  fs::remove_all(path, ec);
}

std::optional<SdkChoice> find_sdk(state::Store& store, const std::string& artifacts_dir) {
  std::optional<SdkChoice> best;
  std::string best_time;
  for (const state::ArtifactRecord& a : store.list_artifacts()) {
    if (a.type != "sdk" || files_of(a).empty()) continue;
    const json p = json::parse(a.properties, nullptr, false);
    if (!p.is_object() || p.value("source_type", "vmware") != "vmware") continue;
    if (!p.contains("sdk_library_dir")) continue;
    if (best && a.last_updated < best_time) continue;
    best = SdkChoice{a.uuid, p.value("sdk_version", ""),
                     (fs::path(artifacts_dir) / a.uuid / p.value("sdk_library_dir", "")).string()};
    best_time = a.last_updated;
  }
  return best;
}

}  // namespace mm::artifacts
