// Tree-walking evaluator: executes a resolved FileAst. A Thread carries the per-run state
// (heap, step budget, call stack), so one compiled program can run in many threads at once.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "orchestrator/starlark/ast.h"
#include "orchestrator/starlark/value.h"

namespace mm::starlark {

struct Limits {
  uint64_t max_steps = 10'000'000;
  size_t max_memory = 256u << 20;  // bytes allocated by one run
  int max_call_depth = 100;
  bool allow_recursion = false;    // Starlark forbids recursion; the Go tests opt in
};

struct Module {
  std::shared_ptr<const FileAst> file;
  std::vector<Value> globals;
  std::vector<Value> predeclared;  // values of file->predeclared_names
  const Value* global(const std::string& name) const;
};

using Loader = std::function<std::shared_ptr<Module>(struct Thread&, const std::string& module)>;

struct Thread {
  explicit Thread(Heap& heap, Limits limits = {}) : heap(heap), limits(limits) {}
  Heap& heap;
  Limits limits;
  uint64_t steps = 0;
  std::vector<const FuncDef*> stack;  // active Starlark functions (recursion check)
  void* host = nullptr;               // data of the embedding application's builtins
  Loader loader;                      // for load(); none in placement scripts
  std::function<void(const std::string&)> print;  // print(); ignored when unset

  void step() {
    if (++steps > limits.max_steps)
      throw EvalError("Starlark computation cancelled: too many steps (limit " +
                      std::to_string(limits.max_steps) + ")");
  }
  Value make_string(std::string s) {
    heap.charge(s.size());
    return Value::object(Kind::String, heap.make<StrObj>(std::move(s)));
  }
  Value make_list(std::vector<Value> items) {
    heap.charge(items.size() * sizeof(Value));
    auto* l = heap.make<ListObj>();
    l->items = std::move(items);
    return Value::object(Kind::List, l);
  }
  Value make_tuple(std::vector<Value> items) {
    heap.charge(items.size() * sizeof(Value));
    auto* t = heap.make<TupleObj>();
    t->items = std::move(items);
    return Value::object(Kind::Tuple, t);
  }
  DictObj* make_dict() { return heap.make<DictObj>(); }
};

// Runs top-level statements of `module` (whose globals are sized by the caller).
// Throws StarlarkError. Globals are frozen afterwards.
void exec_module(Thread& th, Module& module);

// Calls any callable value. Throws EvalError.
Value call_value(Thread& th, Value fn, Args& args);

// Converts an EvalError that escaped evaluation into a positioned StarlarkError.
StarlarkError to_starlark_error(const EvalError& e, const std::string& filename);

}  // namespace mm::starlark
