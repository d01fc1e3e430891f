// toJSON(): Go's json.MarshalIndent(v, "", "  ") layout, so output matches expr-lang's.
#pragma once

#include <string>

#include "orchestrator/expr/value.h"

namespace mm::expr {

std::string json_text(const Value& v);

}  // namespace mm::expr
