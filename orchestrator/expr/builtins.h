// The builtin functions: their names and arities (checked at compile time) and the plain ones'
// implementations. Predicate builtins (all, any, ...) are evaluated by the evaluator.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "orchestrator/expr/ast.h"
#include "orchestrator/expr/context.h"
#include "orchestrator/expr/value.h"

namespace mm::expr {

enum class Builtin {
  // Take a predicate as their second argument.
  kAll,
  kAny,
  kNone,
  kOne,
  kFilter,
  kMap,
  kCount,
  // Plain functions.
  kLen,
  kAbs,
  kLower,
  kUpper,
  kTrim,
  kTrimPrefix,
  kTrimSuffix,
  kSplit,
  kHasPrefix,
  kHasSuffix,
  kIndexOf,
  kLastIndexOf,
  kReplace,
  kRepeat,
  kJoin,
  kInt,
  kFloat,
  kString,
  kMax,
  kMin,
  kFirst,
  kLast,
  kKeys,
  kValues,
  kType,
  kToJSON,
};

struct BuiltinInfo {
  Builtin id;
  std::string_view name;
  int min_args;
  int max_args;  // -1: variadic
  bool predicate;
};

std::optional<BuiltinInfo> find_builtin(std::string_view name);

// Calls a plain builtin on evaluated arguments; `call` is the kCall node (for messages).
Value call_builtin(Context& ctx, const Node& call, const std::vector<Value>& args);

}  // namespace mm::expr
