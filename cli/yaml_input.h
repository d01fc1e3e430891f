#pragma once
// YAML typed by a user (an edited override) read against the fields a command accepts: unknown
// fields and values of the wrong type are refused with the field's name, strings accept any
// scalar (as Go's yaml.v3 does: `vlan_id: 10` is "10"), and the result is JSON for the API.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace mm::cli {

using Json = nlohmann::ordered_json;

struct YamlField {
  enum class Kind { String, Bool, Int, StringMap, Object };
  std::string name;
  Kind kind;
  std::vector<YamlField> children;  // Object only
};

// Throws EditError. An empty document yields an empty object; missing fields stay missing.
Json yaml_to_json(const std::string& text, const std::vector<YamlField>& schema);

}  // namespace mm::cli
