#pragma once
// The Incus objects the client reads (shared/api/*.go shapes), parsed from a reply's metadata.
// Only the fields migration-manager uses are kept; unknown fields are ignored, wrong types are
// errors naming the field.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace mm::incus {

using StringMap = std::map<std::string, std::string>;

struct ServerInfo {
  std::string auth;  // "trusted" or "untrusted"
  std::string api_version;
  std::vector<std::string> auth_methods;  // "tls", "oidc"
  std::vector<std::string> api_extensions;
  std::string server_version;           // environment.server_version
  std::string server_name;              // environment.server_name
  std::string certificate_fingerprint;  // environment.certificate_fingerprint
  bool clustered = false;
};

struct Project {
  std::string name;
  std::string description;
  StringMap config;
};

struct StoragePool {
  std::string name;
  std::string driver;  // dir, lvm, zfs, btrfs, ceph ...
  std::string description;
  std::string status;
  StringMap config;  // "source", "lvm.vg_name", "zfs.pool_name", "ceph.osd.pool_name" ...
};

struct Network {
  std::string name;
  std::string type;  // bridge, macvlan, physical, loopback, ovn ...
  std::string description;
  bool managed = false;
  std::string status;
  std::string project;
  StringMap config;
};

struct StorageVolume {
  std::string name;
  std::string type;          // "custom"
  std::string content_type;  // "block" or "filesystem"
  std::string project;
  std::string location;
  std::string description;
  StringMap config;  // "size"
};

struct Instance {
  std::string name;
  std::string type;    // "virtual-machine" or "container"
  std::string status;  // "Running", "Stopped" ...
  int64_t status_code = 0;
  std::string project;
  std::string location;
  std::string architecture;
  std::string description;
  StringMap config;
  std::map<std::string, StringMap> devices;
  std::vector<std::string> profiles;
  bool ephemeral = false;
};

ServerInfo parse_server(const nlohmann::json& metadata);
Project parse_project(const nlohmann::json& v, const std::string& path = "metadata");
StoragePool parse_storage_pool(const nlohmann::json& v, const std::string& path = "metadata");
Network parse_network(const nlohmann::json& v, const std::string& path = "metadata");
StorageVolume parse_volume(const nlohmann::json& v, const std::string& path = "metadata");
Instance parse_instance(const nlohmann::json& v, const std::string& path = "metadata");

// A `?recursion=1` list: an array of objects, each parsed by `parse` with path "metadata[i]".
template <class T>
std::vector<T> parse_list(const nlohmann::json& metadata,
                          T (*parse)(const nlohmann::json&, const std::string&));
// A plain list: the URLs ("/1.0/instances/a") reduced to their last path segment, unescaped.
std::vector<std::string> parse_names(const nlohmann::json& metadata);

}  // namespace mm::incus
