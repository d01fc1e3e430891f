#pragma once
// Where a custom block volume's data, or a VM's root disk, lives on the Incus host, so
// mm-transfer can write the disk directly. Only the `dir` driver is resolved (a sparse raw file);
// the paths of the LVM, ZFS and Ceph drivers are documented in docs/incus-client.md, and asking for
// them is an error that says so.
#include <string>

#include "orchestrator/incus/resources.h"

namespace mm::incus {

class IncusClient;

struct VolumeLocation {
  std::string driver;  // the pool's driver
  std::string path;    // dir: <pool source>/custom/<project>_<volume>/root.img, or
                       // <pool source>/virtual-machines/<instance volume>/root.img
  bool regular_file = true;
};

// From the pool and the volume as the server reported them (the volume's own project field wins:
// a project without features.storage.volumes keeps its volumes in "default"). Throws IncusError.
VolumeLocation resolve_volume_location(const StoragePool& pool, const StorageVolume& volume,
                                       const std::string& project);
// Fetches the pool and the volume, then resolves.
VolumeLocation locate_custom_volume(IncusClient& client, const std::string& pool,
                                    const std::string& project, const std::string& volume);

// A VM's root volume. Incus names an instance's volume "<name>" in the project "default" and
// "<project>_<name>" elsewhere (project.Instance(); custom volumes are always prefixed), always
// in the instance's own project. Throws IncusError (other drivers: not supported).
VolumeLocation resolve_instance_root_location(const StoragePool& pool, const std::string& project,
                                              const std::string& instance_name);
// Fetches the pool and the instance (it must be a virtual machine; a root disk device of its own
// must be on `pool`), then resolves.
VolumeLocation locate_instance_root_volume(IncusClient& client, const std::string& pool,
                                           const std::string& project,
                                           const std::string& instance_name);

}  // namespace mm::incus
