#pragma once
// How the daemon reads a source's disks, chosen per source:
//   VDDK            when an sdk artifact exists (and the source's disk_access is not "datastore"),
//   mounted         for a datastore given with --datastore-dir (an NFS datastore on this host),
//   datastore HTTPS otherwise (the vSphere datastore file service).
// A source whose disk_access is "vddk" reads only through VDDK: until an sdk artifact is uploaded
// its instances are Blocked, naming the artifact.
#include <map>
#include <optional>
#include <string>

#include "orchestrator/artifacts/artifact_files.h"
#include "orchestrator/state/records.h"

namespace mm::artifacts {

enum class DiskAccessKind { kVddk, kDatastore };  // kDatastore: mounted where given, else HTTPS

struct DiskAccess {
  DiskAccessKind kind = DiskAccessKind::kDatastore;
  std::optional<SdkChoice> sdk;  // set for kVddk
  std::string description;       // for `source show`: "VDDK (artifact UUID, version 8.0.3)"
};

// disk_access: "auto" (default), "vddk", "datastore". Throws std::invalid_argument on others.
void check_disk_access_setting(const std::string& value);

DiskAccess choose_disk_access(const state::SourceRecord& source,
                              const std::optional<SdkChoice>& sdk,
                              const std::map<std::string, std::string>& datastore_dirs);

// Why an instance of `source` cannot migrate for want of an artifact, or nullopt.
std::optional<std::string> missing_artifact(const state::SourceRecord& source,
                                            const std::optional<SdkChoice>& sdk);

}  // namespace mm::artifacts
