#pragma once
// Request bodies the client sends: custom volumes and VM instances (shared/api InstancesPost,
// StorageVolumesPost shapes). The builders check what Incus would refuse late (empty names, a NIC
// with neither network nor parent, secure boot with CSM) and throw std::invalid_argument.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace mm::incus {

struct VolumeSpec {
  std::string name;
  std::string size;  // Incus size text: "2GiB", "1073741824B"
  std::string content_type = "block";
  std::string description;
  std::map<std::string, std::string> config;  // extra keys
};

enum class Firmware {
  kUefi,            // security.secureboot=false
  kUefiSecureBoot,  // security.secureboot=true
  kBios,            // security.csm=true (legacy boot; needs secure boot off)
};

// A NIC with a fixed MAC. Either `network` (a managed network) or `nictype` + `parent` (e.g.
// bridged/macvlan/physical on a host interface), with an optional `vlan` ("10" or "10,20": tagged).
struct NicSpec {
  std::string device;  // "eth0"
  std::string hwaddr;  // "00:16:3e:..."
  std::string network;
  std::string nictype;
  std::string parent;
  std::string vlan;
};

// A disk device. The root disk (`path` "/") gets its size from `size`; an extra disk attaches the
// custom volume `source` of `pool`.
struct DiskSpec {
  std::string device;  // "root", "disk1"
  std::string pool;
  std::string path;                          // "/" for the root disk, empty for a block volume
  std::string size;                          // root disk only
  std::string source;                        // extra disks: the custom volume's name
  std::map<std::string, std::string> extra;  // e.g. "boot.priority", "user.migration_source"
};

struct InstanceSpec {
  std::string name;
  std::string description;
  std::string architecture;  // empty: the server's
  int cpus = 1;
  uint64_t memory_bytes = 1ull << 30;
  Firmware firmware = Firmware::kUefi;
  bool tpm = false;
  std::vector<NicSpec> nics;
  std::vector<DiskSpec> disks;
  std::vector<std::string> profiles;          // empty: Incus's "default"
  std::map<std::string, std::string> config;  // extra keys, applied last
  std::string type = "virtual-machine";
};

nlohmann::json volume_create_body(const VolumeSpec& spec);
nlohmann::json instance_create_body(const InstanceSpec& spec);
// {"action": "start"|"stop", "timeout": seconds, "force": ...}
nlohmann::json instance_state_body(const std::string& action, int timeout_seconds, bool force);

}  // namespace mm::incus
