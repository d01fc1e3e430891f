#pragma once
// Artifacts' files under the daemon's state directory: DIR/<uuid>/<file> (vmware-sdk.tar.gz,
// virtio-win.iso, ...), an SDK extracted beside its tarball so its library directory can be handed
// to mm-transfer. Uploads are spooled to DIR/.upload-* by the transport (never held in memory),
// then checked, hashed and moved into place here.
#include <optional>
#include <string>

#include "orchestrator/state/store.h"

namespace mm::artifacts {

class ArtifactFiles {
 public:
  ArtifactFiles(state::Store& store, std::string dir) : store_(store), dir_(std::move(dir)) {}

  const std::string& dir() const { return dir_; }
  // A fresh path for an upload's body (the directory is created, mode 0700).
  std::string spool_path() const;
  // Checks the spooled file for the artifact's type (ArtifactError with the user's message),
  // records its size and SHA-256, moves it in (replacing an earlier upload) and, for an SDK,
  // extracts it. The spooled file is gone afterwards whatever happens.
  state::ArtifactRecord accept(const std::string& uuid, const std::string& spooled) const;
  // The artifact's row and files.
  void remove(const std::string& uuid) const;
  std::string path_of(const std::string& uuid) const;

 private:
  state::Store& store_;
  std::string dir_;
};

// The VDDK the daemon reads through: the newest sdk artifact (source type vmware) with an
// extracted library.
struct SdkChoice {
  std::string uuid;
  std::string version;
  std::string library_dir;  // absolute: holds libvixDiskLib.so.*
};
std::optional<SdkChoice> find_sdk(state::Store& store, const std::string& artifacts_dir);

// RFC 3339 UTC, seconds.
std::string now_rfc3339();

}  // namespace mm::artifacts
