// Builds the syntax tree with precedence climbing over expr-lang's operator table.
#pragma once

#include <span>
#include <string_view>

#include "orchestrator/expr/ast.h"

namespace mm::expr {

// Parser recursion and tree height limits: hostile input fails with an error instead of
// overflowing the stack (while parsing, evaluating or destroying the tree).
inline constexpr int kMaxNesting = 256;
inline constexpr int kMaxHeight = 200;

// Parses `source`. With `known_fields`, a top-level name outside it is a compile error.
// Throws ExprError.
NodePtr parse(std::string_view source, const std::span<const std::string_view>* known_fields);

}  // namespace mm::expr
