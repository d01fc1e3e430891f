#include "orchestrator/artifacts/disk_access.h"

#include <stdexcept>

namespace mm::artifacts {

void check_disk_access_setting(const std::string& value) {
  if (value != "auto" && value != "vddk" && value != "datastore") {
    throw std::invalid_argument("must be \"auto\", \"vddk\" or \"datastore\"");
  }
}

DiskAccess choose_disk_access(const state::SourceRecord& source,
                              const std::optional<SdkChoice>& sdk,
                              const std::map<std::string, std::string>& datastore_dirs) {
  DiskAccess a;
  if (sdk && source.disk_access != "datastore") {
    a.kind = DiskAccessKind::kVddk;
    a.sdk = sdk;
    a.description = "VDDK (artifact " + sdk->uuid +
                    (sdk->version.empty() ? "" : ", version " + sdk->version) + ")";
    return a;
  }
  if (source.disk_access == "vddk") {
    a.description = "VDDK (no sdk artifact uploaded: migrations are blocked)";
    return a;
  }
  std::string mounted;
  for (const auto& [name, dir] : datastore_dirs) {
    mounted +=
        (mounted.empty() ? "" : ", ") + std::string("mounted datastore ") + dir + " (" + name + ")";
  }
  a.description = mounted.empty() ? "datastore HTTPS" : mounted + "; others over datastore HTTPS";
  return a;
}

std::optional<std::string> missing_artifact(const state::SourceRecord& source,
                                            const std::optional<SdkChoice>& sdk) {
  if (source.disk_access == "vddk" && !sdk) {
    return "Missing required SDK artifact: source \"" + source.name +
           "\" reads disks through VDDK (migration-manager artifact upload sdk vmware FILE)";
  }
  return std::nullopt;
}

}  // namespace mm::artifacts
