// Compiling and running Starlark files: the entry points used by placement and the tests.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "orchestrator/starlark/ast.h"
#include "orchestrator/starlark/evaluator.h"
#include "orchestrator/starlark/resolver.h"

namespace mm::starlark {

// Parses and resolves `source`. The result owns its constants and is immutable, so it can be
// shared by threads. Throws StarlarkError.
std::shared_ptr<const FileAst> compile_file(const std::string& source, const std::string& filename,
                                            const ResolveOptions& options);

// Creates the module of a compiled file; predeclared(name) supplies the host's values.
std::shared_ptr<Module> make_module(std::shared_ptr<const FileAst> file,
                                    const std::function<Value(const std::string&)>& predeclared);

}  // namespace mm::starlark
