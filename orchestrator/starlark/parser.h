// Recursive-descent parser: tokens to FileAst (unresolved).
#pragma once

#include <string>

#include "orchestrator/starlark/ast.h"

namespace mm::starlark {

// String literals are allocated in `constants`, which must outlive the tree.
// Throws StarlarkError on syntax errors.
void parse_file(const std::string& source, FileAst& out, Heap& constants);

}  // namespace mm::starlark
