#include "orchestrator/incus/resources.h"

#include "common/percent_encoding.h"
#include "orchestrator/incus/error.h"
#include "orchestrator/incus/json_read.h"

namespace mm::incus {
namespace jr = json_read;

ServerInfo parse_server(const nlohmann::json& metadata) {
  const std::string path = "metadata";
  jr::object(metadata, path);
  ServerInfo s;
  s.auth = jr::required_string(metadata, "auth", path);
  s.api_version = jr::string(metadata, "api_version", path);
  s.auth_methods = jr::strings(metadata, "auth_methods", path);
  s.api_extensions = jr::strings(metadata, "api_extensions", path);
  if (auto it = metadata.find("environment"); it != metadata.end() && !it->is_null()) {
    const std::string env = jr::join(path, "environment");
    jr::object(*it, env);
    s.server_version = jr::string(*it, "server_version", env);
    s.server_name = jr::string(*it, "server_name", env);
    s.certificate_fingerprint = jr::string(*it, "certificate_fingerprint", env);
    s.clustered = jr::boolean(*it, "server_clustered", env);
  }
  return s;
}

Project parse_project(const nlohmann::json& v, const std::string& path) {
  jr::object(v, path);
  return Project{jr::required_string(v, "name", path), jr::string(v, "description", path),
                 jr::string_map(v, "config", path)};
}

StoragePool parse_storage_pool(const nlohmann::json& v, const std::string& path) {
  jr::object(v, path);
  StoragePool p;
  p.name = jr::required_string(v, "name", path);
  p.driver = jr::required_string(v, "driver", path);
  p.description = jr::string(v, "description", path);
  p.status = jr::string(v, "status", path);
  p.config = jr::string_map(v, "config", path);
  return p;
}

Network parse_network(const nlohmann::json& v, const std::string& path) {
  jr::object(v, path);
  Network n;
  n.name = jr::required_string(v, "name", path);
  n.type = jr::string(v, "type", path);
  n.description = jr::string(v, "description", path);
  n.managed = jr::boolean(v, "managed", path);
  n.status = jr::string(v, "status", path);
  n.project = jr::string(v, "project", path);
  n.config = jr::string_map(v, "config", path);
  return n;
}

StorageVolume parse_volume(const nlohmann::json& v, const std::string& path) {
  jr::object(v, path);
  StorageVolume vol;
  vol.name = jr::required_string(v, "name", path);
  vol.type = jr::string(v, "type", path);
  vol.content_type = jr::string(v, "content_type", path);
  vol.project = jr::string(v, "project", path);
  vol.location = jr::string(v, "location", path);
  vol.description = jr::string(v, "description", path);
  vol.config = jr::string_map(v, "config", path);
  return vol;
}

Instance parse_instance(const nlohmann::json& v, const std::string& path) {
  jr::object(v, path);
  Instance in;
  in.name = jr::required_string(v, "name", path);
  in.type = jr::string(v, "type", path);
  in.status = jr::string(v, "status", path);
  in.status_code = jr::integer(v, "status_code", path);
  in.project = jr::string(v, "project", path);
  in.location = jr::string(v, "location", path);
  in.architecture = jr::string(v, "architecture", path);
  in.description = jr::string(v, "description", path);
  in.config = jr::string_map(v, "config", path);
  if (auto it = v.find("devices"); it != v.end() && !it->is_null()) {
    const std::string dpath = jr::join(path, "devices");
    jr::object(*it, dpath);
    for (auto d = it->begin(); d != it->end(); ++d) {
      in.devices[d.key()] = jr::string_map(*it, d.key().c_str(), dpath);
    }
  }
  in.profiles = jr::strings(v, "profiles", path);
  in.ephemeral = jr::boolean(v, "ephemeral", path);
  return in;
}

template <class T>
std::vector<T> parse_list(const nlohmann::json& metadata,
                          T (*parse)(const nlohmann::json&, const std::string&)) {
  std::vector<T> out;
  if (metadata.is_null()) return out;
  jr::array(metadata, "metadata");
  for (size_t i = 0; i < metadata.size(); ++i) {
    out.push_back(parse(metadata[i], "metadata[" + std::to_string(i) + "]"));
  }
  return out;
}

template std::vector<Project> parse_list(const nlohmann::json&,
                                         Project (*)(const nlohmann::json&, const std::string&));
template std::vector<StoragePool> parse_list(const nlohmann::json&,
                                             StoragePool (*)(const nlohmann::json&,
                                                             const std::string&));
template std::vector<Network> parse_list(const nlohmann::json&,
                                         Network (*)(const nlohmann::json&, const std::string&));
template std::vector<StorageVolume> parse_list(const nlohmann::json&,
                                               StorageVolume (*)(const nlohmann::json&,
                                                                 const std::string&));
template std::vector<Instance> parse_list(const nlohmann::json&,
                                          Instance (*)(const nlohmann::json&, const std::string&));

std::vector<std::string> parse_names(const nlohmann::json& metadata) {
  std::vector<std::string> out;
  if (metadata.is_null()) return out;
  jr::array(metadata, "metadata");
  for (size_t i = 0; i < metadata.size(); ++i) {
    const std::string path = "metadata[" + std::to_string(i) + "]";
    if (!metadata[i].is_string()) bad_reply("field \"" + path + "\" must be a string");
    std::string url = metadata[i].get<std::string>();
    if (auto q = url.find('?'); q != std::string::npos) url.resize(q);  // "?project=x"
    const auto slash = url.rfind('/');
    if (slash == std::string::npos || slash + 1 == url.size()) {
      bad_reply("field \"" + path + "\" is not an object URL");
    }
    auto name = percent_decode(std::string_view(url).substr(slash + 1));
    if (!name) bad_reply("field \"" + path + "\" has a bad %-escape");
    out.push_back(std::move(*name));
  }
  return out;
}

}  // namespace mm::incus
