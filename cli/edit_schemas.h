#pragma once
// The shapes of the YAML documents users edit: an instance override and a network override. One
// definition serves the commands, their tests and the fuzzer, so none of them can drift.
#include <vector>

#include "cli/yaml_input.h"

namespace mm::cli {

// `instance override edit`: last_update, comment, disable_migration, ignore_restrictions,
// properties {name, description, cpus, memory, config, os, os_version, architecture}.
const std::vector<YamlField>& instance_override_schema();

// `network edit`: network, nictype, vlan_id.
const std::vector<YamlField>& network_override_schema();

}  // namespace mm::cli
