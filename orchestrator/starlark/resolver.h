// Static name resolution and checks (undefined names, misplaced statements, global reassignment),
// done at compile time so a typo is reported before any instance is placed.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "orchestrator/starlark/ast.h"

namespace mm::starlark {

struct ResolveOptions {
  bool allow_global_reassign = false;  // also permits if/for at top level (Go's -globalreassign)
  std::function<bool(const std::string&)> is_predeclared;
  std::vector<std::string> predeclared_hints;  // names offered in "did you mean" hints
};

// Index of a universal builtin, or -1.
int universe_index(const std::string& name);
const std::vector<std::string>& universe_names();

void resolve_file(FileAst& file, const ResolveOptions& opts);

}  // namespace mm::starlark
