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
  bool load_binds_globally = false;    // Go's -loadbindsglobally (error wording only)
  std::function<bool(const std::string&)> is_predeclared;
  std::vector<std::string> predeclared_hints;  // names offered in "did you mean" hints
};

// Index of a universal builtin, or -1.
int universe_index(const std::string& name);
const std::vector<std::string>& universe_names();

void resolve_file(FileAst& file, const ResolveOptions& opts);

// The candidate closest to `name` by edit distance when it is close enough to be a likely
// misspelling, else "". Used for every "did you mean" hint so they agree.
std::string spelling_hint(const std::string& name, const std::vector<std::string>& candidates);

}  // namespace mm::starlark
