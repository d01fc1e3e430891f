#include "cli/edit_schemas.h"

namespace mm::cli {

using K = YamlField::Kind;

const std::vector<YamlField>& instance_override_schema() {
  static const std::vector<YamlField> s = {{"last_update", K::String, {}},
                                           {"comment", K::String, {}},
                                           {"disable_migration", K::Bool, {}},
                                           {"ignore_restrictions", K::Bool, {}},
                                           {"properties",
                                            K::Object,
                                            {{"name", K::String, {}},
                                             {"description", K::String, {}},
                                             {"cpus", K::Int, {}},
                                             {"memory", K::Int, {}},
                                             {"config", K::StringMap, {}},
                                             {"os", K::String, {}},
                                             {"os_version", K::String, {}},
                                             {"architecture", K::String, {}}}}};
  return s;
}

const std::vector<YamlField>& network_override_schema() {
  static const std::vector<YamlField> s = {
      {"network", K::String, {}}, {"nictype", K::String, {}}, {"vlan_id", K::String, {}}};
  return s;
}

}  // namespace mm::cli
