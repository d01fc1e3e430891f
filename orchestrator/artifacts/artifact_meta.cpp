#include "orchestrator/artifacts/artifact_meta.h"

#include <algorithm>

namespace mm::artifacts {
namespace {

using nlohmann::json;

// The reference's OS and architecture names; anything else is refused rather than stored and
// never matched.
const std::vector<std::string> kArchitectures = {"x86_64",  "aarch64", "i686",   "armv7l",
                                                 "ppc64le", "s390x",   "riscv64"};

[[noreturn]] void bad(const std::string& what) {
  throw ArtifactError(what);
}

std::string string_field(const json& j, const char* key, const std::string& where) {
  if (!j.contains(key) || j[key].is_null()) return "";
  if (!j[key].is_string()) bad("Field \"" + where + key + "\" must be a string");
  return j[key].get<std::string>();
}

std::vector<std::string> list_field(const json& j, const char* key, const std::string& where) {
  std::vector<std::string> out;
  if (!j.contains(key) || j[key].is_null()) return out;
  if (!j[key].is_array()) bad("Field \"" + where + key + "\" must be a list of strings");
  for (const json& v : j[key]) {
    if (!v.is_string() || v.get<std::string>().empty()) {
      bad("Field \"" + where + key + "\" must be a list of non-empty strings");
    }
    out.push_back(v.get<std::string>());
  }
  return out;
}

// "8.0" or "7.2.1": digits and dots, a major and a minor part (the reference's rule for versions).
bool major_minor(const std::string& v) {
  if (v.empty() || v.size() > 32 || v.front() == '.' || v.back() == '.') return false;
  if (v.find("..") != std::string::npos || v.find('.') == std::string::npos) return false;
  return std::all_of(v.begin(), v.end(), [](char c) { return (c >= '0' && c <= '9') || c == '.'; });
}

}  // namespace

ArtifactMeta parse_artifact_meta(std::string_view body) {
  const json j = json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) bad("Request body is not a JSON object");
  ArtifactMeta m;
  m.type = string_field(j, "type", "");
  json p = json::object();
  if (j.contains("properties") && !j["properties"].is_null()) {
    if (!j["properties"].is_object()) bad("Field \"properties\" must be an object");
    p = j["properties"];
  }
  m.description = string_field(p, "description", "properties.");
  m.os = string_field(p, "os", "properties.");
  m.architectures = list_field(p, "architectures", "properties.");
  m.versions = list_field(p, "versions", "properties.");
  m.source_type = string_field(p, "source_type", "properties.");
  if (m.description.size() > 1024) bad("Artifact description is longer than 1024 characters");
  for (const std::string& a : m.architectures) {
    if (std::find(kArchitectures.begin(), kArchitectures.end(), a) == kArchitectures.end()) {
      bad("Architecture \"" + a + "\" is not supported");
    }
  }
  if (m.type == "sdk") {
    if (m.source_type.empty()) m.source_type = "vmware";
    if (m.source_type != "vmware")
      bad("Artifact source type \"" + m.source_type + "\" is not supported");
    if (!m.os.empty()) bad("Artifact does not support an OS type");
    if (!m.architectures.empty()) bad("Artifact does not support architectures");
    if (!m.versions.empty()) bad("Artifact does not support versions");
  } else if (m.type == "driver" || m.type == "os-image") {
    if (!m.source_type.empty()) bad("Artifact does not support a source type");
    if (m.architectures.empty()) bad("Artifact must have at least one valid architecture");
    if (m.type == "driver") {
      if (m.os != "windows") bad("Artifact has invalid OS \"" + m.os + "\"");
      if (!m.versions.empty()) bad("Artifact for OS \"windows\" does not support versions");
    } else {
      if (m.os.empty() || m.os.size() > 64 ||
          m.os.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-") != std::string::npos) {
        bad("Artifact has invalid OS \"" + m.os + "\"");
      }
      if (m.versions.empty()) bad("Artifact for OS \"" + m.os + "\" requires at least one version");
      for (const std::string& v : m.versions) {
        if (!major_minor(v)) {
          bad("Artifact version \"" + v + "\" does not contain both a major and minor version");
        }
      }
    }
  } else {
    bad("Artifact has invalid type \"" + m.type + "\" (expected sdk, driver or os-image)");
  }
  return m;
}

std::string properties_json(const ArtifactMeta& m) {
  json p = json::object();
  if (!m.os.empty()) p["os"] = m.os;
  if (!m.architectures.empty()) p["architectures"] = m.architectures;
  if (!m.versions.empty()) p["versions"] = m.versions;
  if (!m.source_type.empty()) p["source_type"] = m.source_type;
  return p.dump();
}

ArtifactMeta meta_of(const state::ArtifactRecord& a) {
  ArtifactMeta m;
  m.type = a.type;
  m.description = a.description;
  const json p = json::parse(a.properties, nullptr, false);
  if (!p.is_object()) return m;
  m.os = p.value("os", "");
  m.source_type = p.value("source_type", "");
  if (p.contains("architectures"))
    m.architectures = p["architectures"].get<std::vector<std::string>>();
  if (p.contains("versions")) m.versions = p["versions"].get<std::vector<std::string>>();
  return m;
}

std::string default_file_name(const ArtifactMeta& m) {
  if (m.type == "sdk") return m.source_type + "-sdk.tar.gz";
  if (m.type == "driver") return "virtio-win.iso";
  return m.os + ".qcow2";
}

std::vector<ArtifactFile> files_of(const state::ArtifactRecord& a) {
  std::vector<ArtifactFile> out;
  const json f = json::parse(a.files, nullptr, false);
  if (!f.is_array()) return out;
  for (const json& e : f) {
    if (!e.is_object()) continue;
    out.push_back({e.value("name", ""), e.value("size", uint64_t{0}), e.value("sha256", "")});
  }
  return out;
}

std::string files_json(const std::vector<ArtifactFile>& files) {
  json f = json::array();
  for (const ArtifactFile& x : files) {
    f.push_back({{"name", x.name}, {"size", x.size}, {"sha256", x.sha256}});
  }
  return f.dump();
}

json artifact_to_json(const state::ArtifactRecord& a) {
  const ArtifactMeta m = meta_of(a);
  json props = json::object();
  if (!m.description.empty()) props["description"] = m.description;
  if (!m.os.empty()) props["os"] = m.os;
  if (!m.architectures.empty()) props["architectures"] = m.architectures;
  if (!m.versions.empty()) props["versions"] = m.versions;
  if (!m.source_type.empty()) props["source_type"] = m.source_type;
  json names = json::array(), details = json::array();
  for (const ArtifactFile& f : files_of(a)) {
    names.push_back(f.name);
    details.push_back({{"name", f.name}, {"size", f.size}, {"sha256", f.sha256}});
  }
  json out = {{"uuid", a.uuid}, {"type", a.type},          {"properties", props},
              {"files", names}, {"file_details", details}, {"last_updated", a.last_updated}};
  const json p = json::parse(a.properties, nullptr, false);
  if (p.is_object() && p.contains("sdk_version")) out["sdk_version"] = p["sdk_version"];
  return out;
}

}  // namespace mm::artifacts
