// Read-only Starlark views of nlohmann::json documents (placement `instance` and `batch`).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "orchestrator/starlark/evaluator.h"

namespace mm::starlark {

// `json` must outlive every use of the returned value. Objects become struct-like values with
// attribute access (and read-only indexing, get/keys/values/items); arrays become frozen lists.
// With self_alias, the object also answers `.properties` with itself, so scripts written as
// `instance.properties.os_version` (as in the reference documentation) work too.
Value json_to_value(Thread& th, const nlohmann::json& json, const std::string& type_name = "struct",
                    bool self_alias = false);

}  // namespace mm::starlark
