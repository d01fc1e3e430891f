// Walks a parsed tree against one environment.
#pragma once

#include <string_view>

#include <nlohmann/json.hpp>

#include "orchestrator/expr/ast.h"
#include "orchestrator/expr/value.h"

namespace mm::expr {

// Evaluates `root` (parsed from `source`) with top-level names looked up in the JSON object
// `env`. The result borrows nothing from `env`. Throws ExprError.
Value evaluate(const Node& root, std::string_view source, const nlohmann::json& env);

}  // namespace mm::expr
