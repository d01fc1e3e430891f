#pragma once
// An artifact's metadata as the reference tool's API carries it (shared/api/artifacts.go):
//   {"type": "sdk" | "driver" | "os-image",
//    "properties": {"description": "...", "os": "windows", "architectures": ["x86_64"],
//                   "versions": ["8.0.3"], "source_type": "vmware"}}
// and the rules the reference applies to it (an sdk names a source type and nothing else; a
// driver names an OS and at least one architecture; an os-image also at least one version).
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "orchestrator/state/records.h"

namespace mm::artifacts {

// A metadata or content problem, with the message the user sees.
class ArtifactError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ArtifactMeta {
  std::string type;
  std::string description;
  std::string os;
  std::vector<std::string> architectures;
  std::vector<std::string> versions;
  std::string source_type;
};

// Parses and checks a POST /1.0/artifacts body; throws ArtifactError naming the field.
ArtifactMeta parse_artifact_meta(std::string_view body);
// The record's `properties` column (JSON) from the metadata, and back.
std::string properties_json(const ArtifactMeta& m);
ArtifactMeta meta_of(const state::ArtifactRecord& a);

// The file name an artifact's upload is stored under, as the reference names it: vmware-sdk.tar.gz,
// virtio-win.iso (Windows drivers), <os>.qcow2 (an OS image).
std::string default_file_name(const ArtifactMeta& m);

// One stored file, as the record's `files` column lists them.
struct ArtifactFile {
  std::string name;
  uint64_t size = 0;
  std::string sha256;  // lower-case hex
};
std::vector<ArtifactFile> files_of(const state::ArtifactRecord& a);
std::string files_json(const std::vector<ArtifactFile>& files);

// The API's object: the reference's api.Artifact (uuid, type, properties, files as names) plus
// what this daemon records: each file's size and SHA-256, the SDK's library version, last_updated.
nlohmann::json artifact_to_json(const state::ArtifactRecord& a);

}  // namespace mm::artifacts
