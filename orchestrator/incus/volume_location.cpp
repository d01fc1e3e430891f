#include "orchestrator/incus/volume_location.h"

#include "orchestrator/incus/client.h"
#include "orchestrator/incus/error.h"

namespace mm::incus {
using Kind = target::TargetError::Kind;

namespace {

// The pool's data directory; only the dir driver keeps volumes as files we can write.
std::string dir_pool_base(const StoragePool& pool) {
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
  std::string base = source->second;
  while (base.size() > 1 && base.back() == '/') base.pop_back();
  return base;
}

}  // namespace

VolumeLocation resolve_volume_location(const StoragePool& pool, const StorageVolume& volume,
                                       const std::string& project) {
  if (volume.content_type != "block") {
    throw IncusError(Kind::kProtocol, "volume " + volume.name + " on pool " + pool.name + " is a " +
                                          volume.content_type +
                                          " volume; only block volumes hold a disk image");
  }
  const std::string base = dir_pool_base(pool);
  const std::string owner =
      volume.project.empty() ? (project.empty() ? "default" : project) : volume.project;
  // Incus names a project's volume "<project>_<volume>" on disk (project.StorageVolume()).
  return VolumeLocation{pool.driver, base + "/custom/" + owner + "_" + volume.name + "/root.img",
                        true};
}

VolumeLocation locate_custom_volume(IncusClient& client, const std::string& pool,
                                    const std::string& project, const std::string& volume) {
  return resolve_volume_location(client.storage_pool(pool),
                                 client.custom_volume(pool, project, volume), project);
}

VolumeLocation resolve_instance_root_location(const StoragePool& pool, const std::string& project,
                                              const std::string& instance_name) {
  const std::string base = dir_pool_base(pool);
  // project.Instance(): no prefix in "default" (checked on incusd 6.0.4: containers/NAME and
  // containers/tenant_NAME); the dir driver keeps a VM's disk as root.img in that directory.
  const std::string volume =
      project.empty() || project == "default" ? instance_name : project + "_" + instance_name;
  return VolumeLocation{pool.driver, base + "/virtual-machines/" + volume + "/root.img", true};
}

VolumeLocation locate_instance_root_volume(IncusClient& client, const std::string& pool,
                                           const std::string& project,
                                           const std::string& instance_name) {
  const StoragePool p = client.storage_pool(pool);
  const Instance vm = client.instance(project, instance_name);
  if (vm.type != "virtual-machine") {
    throw IncusError(Kind::kProtocol, "instance " + instance_name + " is a " + vm.type +
                                          ", not a virtual machine: it has no root disk image");
  }
  for (const auto& [device, config] : vm.devices) {
    auto type = config.find("type"), path = config.find("path"), on = config.find("pool");
    if (type != config.end() && type->second == "disk" && path != config.end() &&
        path->second == "/" && on != config.end() && on->second != pool) {
      throw IncusError(Kind::kProtocol, "the root disk of instance " + instance_name +
                                            " is on pool " + on->second + ", not " + pool);
    }
  }
  return resolve_instance_root_location(p, vm.project.empty() ? project : vm.project,
                                        instance_name);
}

}  // namespace mm::incus
