#include "orchestrator/incus/volume_location.h"

#include "orchestrator/incus/client.h"
#include "orchestrator/incus/error.h"

namespace mm::incus {
using Kind = target::TargetError::Kind;

VolumeLocation resolve_volume_location(const StoragePool& pool, const StorageVolume& volume,
                                       const std::string& project) {
  if (volume.content_type != "block") {
    throw IncusError(Kind::kProtocol, "volume " + volume.name + " on pool " + pool.name + " is a " +
                                          volume.content_type +
                                          " volume; only block volumes hold a disk image");
  }
  if (pool.driver != "dir") {
    throw IncusError(Kind::kProtocol,
                     "storage pool " + pool.name + " uses the \"" + pool.driver +
                         "\" driver: writing its volumes directly is not supported (only \"dir\"; "
                         "see docs/incus-client.md for where LVM, ZFS and Ceph keep them)");
  }
  auto source = pool.config.find("source");
  if (source == pool.config.end() || source->second.empty() || source->second[0] != '/') {
    throw IncusError(Kind::kProtocol,
                     "storage pool " + pool.name + " has no absolute config.source");
  }
  const std::string owner =
      volume.project.empty() ? (project.empty() ? "default" : project) : volume.project;
  std::string base = source->second;
  while (base.size() > 1 && base.back() == '/') base.pop_back();
  // Incus names a project's volume "<project>_<volume>" on disk (project.StorageVolume()).
  return VolumeLocation{pool.driver, base + "/custom/" + owner + "_" + volume.name + "/root.img",
                        true};
}

VolumeLocation locate_custom_volume(IncusClient& client, const std::string& pool,
                                    const std::string& project, const std::string& volume) {
  return resolve_volume_location(client.storage_pool(pool),
                                 client.custom_volume(pool, project, volume), project);
}

}  // namespace mm::incus
