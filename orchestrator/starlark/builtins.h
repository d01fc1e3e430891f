// The universal builtins (len, range, str, sorted, ...) available to every script.
#pragma once

#include <string>
#include <vector>

#include "orchestrator/starlark/value.h"

namespace mm::starlark {

Value universe_value(int index);

// Makes a builtin function value owned by `heap` (for predeclared host functions).
Value make_builtin(Heap& heap, std::string name, NativeFn fn);

}  // namespace mm::starlark
