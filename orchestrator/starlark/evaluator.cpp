#include "orchestrator/starlark/evaluator.h"

#include <algorithm>

#include "orchestrator/starlark/builtins.h"
#include "orchestrator/starlark/operators.h"
#include "orchestrator/starlark/resolver.h"

namespace mm::starlark {

const Value* Module::global(const std::string& name) const {
  for (size_t i = 0; i < file->global_names.size(); ++i)
    if (file->global_names[i] == name) return &globals[i];
  return nullptr;
}

StarlarkError to_starlark_error(const EvalError& e, const std::string& filename) {
  return StarlarkError(filename, e.pos, e.message, e.unsupported);
}

namespace {

enum class Flow { Normal, Break, Continue, Return };

struct Frame {
  const FuncDef* def;
  Module* module;
  Value* locals;
  FunctionObj* fn;
  Value ret;
};

class Evaluator {
 public:
  explicit Evaluator(Thread& th) : th_(th) {}

  Value eval(const Expr& x, Frame& f) {
    try {
      return eval_inner(x, f);
    } catch (EvalError& e) {
      if (e.pos.line == 0) {
        e.pos = x.pos;
        e.where = f.module;
      }
      throw;
    }
  }

  Flow exec_block(const std::vector<StmtPtr>& body, Frame& f) {
    for (const auto& s : body) {
      Flow fl = exec(*s, f);
      if (fl != Flow::Normal) return fl;
    }
    return Flow::Normal;
  }

  Flow exec(const Stmt& s, Frame& f) {
    th_.step();
    try {
      return exec_inner(s, f);
    } catch (EvalError& e) {
      if (e.pos.line == 0) {
        e.pos = s.pos;
        e.where = f.module;
      }
      throw;
    }
  }

  Value call_function(FunctionObj* fn, Args& args);

 private:
  Value read_ident(const Ident& id, Frame& f) {
    Value v;
    switch (id.scope) {
      case Scope::Local:
        v = f.locals[id.index];
        if (id.cell) v = v.as<Cell>()->v;
        if (v.is(Kind::Unbound))
          throw EvalError("local variable " + id.name + " referenced before assignment");
        return v;
      case Scope::Free:
        v = f.fn->freevars[id.index].as<Cell>()->v;
        if (v.is(Kind::Unbound))
          throw EvalError("local variable " + id.name + " referenced before assignment");
        return v;
      case Scope::Global:
        v = f.module->globals[id.index];
        if (v.is(Kind::Unbound)) {
          const auto& file_local = f.module->file->global_is_file_local;
          bool local = static_cast<size_t>(id.index) < file_local.size() && file_local[id.index];
          throw EvalError(std::string(local ? "local" : "global") + " variable " + id.name +
                          " referenced before assignment");
        }
        return v;
      case Scope::Predeclared: return f.module->predeclared[id.index];
      case Scope::Universal: return universe_value(id.index);
      case Scope::Unresolved: break;
    }
    throw EvalError("internal error: unresolved name " + id.name);
  }

  void write_ident(const Ident& id, Value v, Frame& f) {
    switch (id.scope) {
      case Scope::Local:
        if (id.cell) f.locals[id.index].as<Cell>()->v = v;
        else f.locals[id.index] = v;
        return;
      case Scope::Global: {
        f.module->globals[id.index] = v;
        return;
      }
      case Scope::Free: f.fn->freevars[id.index].as<Cell>()->v = v; return;
      default: throw EvalError("cannot assign to " + id.name);
    }
  }

  std::vector<Value> unpack_items(Value v, size_t want) {
    std::vector<Value> items;
    switch (v.kind()) {
      case Kind::List: items = v.as<ListObj>()->items; break;
      case Kind::Tuple: items = v.as<TupleObj>()->items; break;
      case Kind::Dict:
      case Kind::Range:
      case Kind::StrIter:
        iterate(th_, v, [&](Value e) {
          items.push_back(e);
          return items.size() <= want;
        });
        break;
      default:
        throw EvalError(std::string("got ") + type_name(v) + " in sequence assignment");
    }
    if (items.size() > want) throw EvalError("too many values to unpack");
    if (items.size() < want) throw EvalError("too few values to unpack");
    return items;
  }

  void assign(const Expr& target, Value v, Frame& f) {
    switch (target.kind) {
      case ExprKind::Ident: write_ident(static_cast<const Ident&>(target), v, f); return;
      case ExprKind::Index: {
        auto& ix = static_cast<const IndexExpr&>(target);
        Value x = eval(*ix.x, f);
        Value i = eval(*ix.index, f);
        set_index(th_, x, i, v);
        return;
      }
      case ExprKind::Dot: {
        auto& d = static_cast<const DotExpr&>(target);
        Value x = eval(*d.x, f);
        throw EvalError(std::string("can't assign to .") + d.name + " field of " + type_name(x));
      }
      case ExprKind::List:
      case ExprKind::Tuple: {
        auto& seq = static_cast<const SeqExpr&>(target);
        std::vector<Value> items = unpack_items(v, seq.items.size());
        for (size_t i = 0; i < items.size(); ++i) assign(*seq.items[i], items[i], f);
        return;
      }
      default: throw EvalError("cannot assign to expression");
    }
  }

  // x op= y; lists are extended in place as in the Go implementation.
  Value augmented(Op op, Value x, Value y) {
    if (op == Op::Add && x.is(Kind::List)) {
      auto* l = x.as<ListObj>();
      l->check_mutable("apply += to");
      if (y.is(Kind::List) || y.is(Kind::Tuple)) {
        std::vector<Value> tail =
            y.is(Kind::List) ? y.as<ListObj>()->items : y.as<TupleObj>()->items;
        th_.heap.charge(tail.size() * sizeof(Value));
        l->items.insert(l->items.end(), tail.begin(), tail.end());
      } else if (is_iterable(y)) {
        std::vector<Value> tail;
        iterate(th_, y, [&](Value e) {
          tail.push_back(e);
          return true;
        });
        l->items.insert(l->items.end(), tail.begin(), tail.end());
      } else {
        throw EvalError(std::string("unknown binary op: list + ") + type_name(y));
      }
      return x;
    }
    return binary_op(th_, op, x, y);
  }

  Flow exec_inner(const Stmt& s, Frame& f) {
    switch (s.kind) {
      case StmtKind::Expr: eval(*static_cast<const ExprStmt&>(s).x, f); return Flow::Normal;
      case StmtKind::Assign: {
        auto& a = static_cast<const AssignStmt&>(s);
        Value v = eval(*a.rhs, f);
        assign(*a.lhs, v, f);
        return Flow::Normal;
      }
      case StmtKind::AugAssign: {
        auto& a = static_cast<const AssignStmt&>(s);
        if (a.lhs->kind == ExprKind::Index) {
          auto& ix = static_cast<const IndexExpr&>(*a.lhs);
          Value x = eval(*ix.x, f);
          Value i = eval(*ix.index, f);
          Value old = index_value(th_, x, i);
          Value y = eval(*a.rhs, f);
          set_index(th_, x, i, augmented(a.op, old, y));
          return Flow::Normal;
        }
        if (a.lhs->kind == ExprKind::Dot) {
          auto& d = static_cast<const DotExpr&>(*a.lhs);
          Value x = eval(*d.x, f);
          get_attr(th_, x, d.name);
          throw EvalError(std::string("can't assign to .") + d.name + " field of " +
                          type_name(x));
        }
        Value old = eval(*a.lhs, f);
        Value y = eval(*a.rhs, f);
        assign(*a.lhs, augmented(a.op, old, y), f);
        return Flow::Normal;
      }
      case StmtKind::Def: {
        auto& d = static_cast<const DefStmt&>(s);
        write_ident(*d.name, make_function(*d.fn, f), f);
        return Flow::Normal;
      }
      case StmtKind::If: {
        auto& i = static_cast<const IfStmt&>(s);
        if (truth(eval(*i.cond, f))) return exec_block(i.then, f);
        return exec_block(i.els, f);
      }
      case StmtKind::For: return exec_for(static_cast<const ForStmt&>(s), f);
      case StmtKind::Return: {
        auto& r = static_cast<const ReturnStmt&>(s);
        f.ret = r.value ? eval(*r.value, f) : Value();
        return Flow::Return;
      }
      case StmtKind::Break: return Flow::Break;
      case StmtKind::Continue: return Flow::Continue;
      case StmtKind::Pass: return Flow::Normal;
      case StmtKind::Load: exec_load(static_cast<const LoadStmt&>(s), f); return Flow::Normal;
    }
    return Flow::Normal;
  }

  void exec_load(const LoadStmt& l, Frame& f) {
    if (!th_.loader) fail_unsupported("load (no module loader in this context)");
    std::shared_ptr<Module> m = th_.loader(th_, l.module);
    for (size_t i = 0; i < l.locals.size(); ++i) {
      const std::string& name = l.remote[i];
      const Value* v = name.empty() || name[0] == '_' ? nullptr : m->global(name);
      if (!v || v->is(Kind::Unbound)) {
        std::vector<std::string> exported;
        for (auto& g : m->file->global_names)
          if (!g.empty() && g[0] != '_') exported.push_back(g);
        std::string hint = spelling_hint(name, exported);
        throw EvalError("load: name " + name + " not found in module " + l.module +
                        (hint.empty() ? "" : " (did you mean " + hint + "?)"));
      }
      write_ident(*l.locals[i], *v, f);
    }
  }

  // Runs body once per element; the target is assigned first.
  template <class Body>
  Flow for_each(Value seq, Body&& body) {
    switch (seq.kind()) {
      case Kind::List: {
        auto* l = seq.as<ListObj>();
        bool guard = !l->frozen;
        if (guard) l->iterating++;
        struct Release {
          ListObj* l;
          bool g;
          ~Release() {
            if (g) l->iterating--;
          }
        } rel{l, guard};
        for (size_t i = 0; i < l->items.size(); ++i) {
          Flow fl = body(l->items[i]);
          if (fl == Flow::Break) break;
          if (fl == Flow::Return) return fl;
        }
        return Flow::Normal;
      }
      case Kind::Tuple: {
        auto* t = seq.as<TupleObj>();
        for (size_t i = 0; i < t->items.size(); ++i) {
          Flow fl = body(t->items[i]);
          if (fl == Flow::Break) break;
          if (fl == Flow::Return) return fl;
        }
        return Flow::Normal;
      }
      default: {
        Flow result = Flow::Normal;
        iterate(th_, seq, [&](Value v) {
          Flow fl = body(v);
          if (fl == Flow::Return) result = fl;
          return fl != Flow::Break && fl != Flow::Return;
        });
        return result;
      }
    }
  }

  Flow exec_for(const ForStmt& s, Frame& f) {
    Value seq = eval(*s.iter, f);
    if (!is_iterable(seq))
      throw EvalError(std::string("for loop: ") + type_name(seq) + " value is not iterable");
    return for_each(seq, [&](Value v) {
      th_.step();
      assign(*s.target, v, f);
      Flow fl = exec_block(s.body, f);
      return fl == Flow::Continue ? Flow::Normal : fl;
    });
  }

  Value make_function(const FuncDef& def, Frame& f) {
    auto* fn = th_.heap.make<FunctionObj>();
    fn->def = &def;
    fn->module = f.module;
    size_t nparams = def.param_names.size();
    fn->defaults.assign(nparams, Value::unbound());
    size_t k = 0;
    for (const auto& p : def.params) {
      if (p.kind != ParamKind::Normal) continue;
      if (p.default_value) fn->defaults[k] = eval(*p.default_value, f);
      ++k;
    }
    for (const auto& src : def.freevars)
      fn->freevars.push_back(src.from_local ? f.locals[src.index] : f.fn->freevars[src.index]);
    return Value::object(Kind::Function, fn);
  }

  void eval_comp(const CompExpr& c, size_t clause, Frame& f, ListObj* list, DictObj* dict) {
    if (clause == c.clauses.size()) {
      th_.step();
      if (dict) {
        Value k = eval(*c.body, f);
        Value v = eval(*c.value, f);
        try {
          dict->set(k, v);
        } catch (EvalError& e) {
          // Point at the key that cannot be stored, not at the comprehension's brace.
          if (e.pos.line == 0) {
            e.pos = c.body->pos;
            e.where = f.module;
          }
          throw;
        }
        th_.heap.charge(2 * sizeof(Value));
      } else {
        list->items.push_back(eval(*c.body, f));
        th_.heap.charge(sizeof(Value));
      }
      return;
    }
    const Clause& cl = c.clauses[clause];
    if (!cl.is_for) {
      if (truth(eval(*cl.expr, f))) eval_comp(c, clause + 1, f, list, dict);
      return;
    }
    Value seq = eval(*cl.expr, f);
    if (!is_iterable(seq))
      throw EvalError(std::string("for loop: ") + type_name(seq) + " value is not iterable");
    for_each(seq, [&](Value v) {
      th_.step();
      assign(*cl.target, v, f);
      eval_comp(c, clause + 1, f, list, dict);
      return Flow::Normal;
    });
  }

  void eval_args(const CallExpr& c, Frame& f, Args& args) {
    for (const auto& a : c.args) {
      switch (a.kind) {
        case ArgKind::Positional: args.pos.push_back(eval(*a.value, f)); break;
        case ArgKind::Named: args.named.emplace_back(a.name, eval(*a.value, f)); break;
        case ArgKind::Star: {
          Value v = eval(*a.value, f);
          if (!is_iterable(v))
            throw EvalError(std::string("argument after * must be iterable, not ") +
                            type_name(v));
          iterate(th_, v, [&](Value e) {
            args.pos.push_back(e);
            return true;
          });
          break;
        }
        case ArgKind::StarStar: {
          Value v = eval(*a.value, f);
          if (!v.is(Kind::Dict))
            throw EvalError(std::string("argument after ** must be a mapping, not ") +
                            type_name(v));
          for (auto& e : v.as<DictObj>()->entries) {
            if (!e.first.is(Kind::String))
              throw EvalError(std::string("keywords must be strings, not ") +
                              type_name(e.first));
            args.named.emplace_back(str_of(e.first), e.second);
          }
          break;
        }
      }
    }
  }

  Value eval_call(const CallExpr& c, Frame& f) {
    Args args;
    Value result;
    try {
      if (c.fn->kind == ExprKind::Dot) {
        // Method call: skip allocating a bound-method object.
        auto& d = static_cast<const DotExpr&>(*c.fn);
        Value recv = eval(*d.x, f);
        NativeFn m = nullptr;
        if (recv.is(Kind::String) || recv.is(Kind::List) || recv.is(Kind::Dict)) {
          m = find_method_for(recv, d.name);
          if (!m) {
            EvalError e(no_attr_message(recv, d.name));
            e.pos = d.pos;
            e.where = f.module;
            throw e;
          }
          eval_args(c, f, args);
          return m(th_, recv, args);
        }
        Value fn;
        try {
          fn = get_attr(th_, recv, d.name);
        } catch (EvalError& e) {
          if (e.pos.line == 0) {
            e.pos = d.pos;
            e.where = f.module;
          }
          throw;
        }
        eval_args(c, f, args);
        return call_value(th_, fn, args);
      }
      Value fn = eval(*c.fn, f);
      eval_args(c, f, args);
      return call_value(th_, fn, args);
    } catch (EvalError& e) {
      // Errors raised inside another module (e.g. a loaded helper) are reported at the call.
      if (e.pos.line == 0 || e.where != f.module) {
        e.pos = c.pos;
        e.where = f.module;
      }
      throw;
    }
  }

  static NativeFn find_method_for(Value recv, std::string_view name);

  Value eval_inner(const Expr& x, Frame& f) {
    switch (x.kind) {
      case ExprKind::Ident: return read_ident(static_cast<const Ident&>(x), f);
      case ExprKind::Literal: return static_cast<const Literal&>(x).value;
      case ExprKind::List:
      case ExprKind::Tuple: {
        auto& s = static_cast<const SeqExpr&>(x);
        std::vector<Value> items;
        items.reserve(s.items.size());
        for (const auto& e : s.items) items.push_back(eval(*e, f));
        return x.kind == ExprKind::List ? th_.make_list(std::move(items))
                                        : th_.make_tuple(std::move(items));
      }
      case ExprKind::Dict: {
        auto& d = static_cast<const DictExpr&>(x);
        DictObj* dict = th_.make_dict();
        for (const auto& kv : d.entries) {
          Value k = eval(*kv.first, f);
          Value v = eval(*kv.second, f);
          try {
            if (dict->find(k) >= 0) throw EvalError("duplicate key: " + repr(k));
            dict->set(k, v);
          } catch (EvalError& e) {
            if (e.pos.line == 0) {
              e.pos = kv.first->pos;
              e.where = f.module;
            }
            throw;
          }
        }
        th_.heap.charge(d.entries.size() * 2 * sizeof(Value));
        return Value::object(Kind::Dict, dict);
      }
      case ExprKind::Comp: {
        auto& c = static_cast<const CompExpr&>(x);
        if (c.is_dict) {
          DictObj* d = th_.make_dict();
          eval_comp(c, 0, f, nullptr, d);
          return Value::object(Kind::Dict, d);
        }
        auto* l = th_.heap.make<ListObj>();
        eval_comp(c, 0, f, l, nullptr);
        return Value::object(Kind::List, l);
      }
      case ExprKind::Unary: {
        auto& u = static_cast<const UnaryExpr&>(x);
        return unary_op(th_, u.op, eval(*u.x, f));
      }
      case ExprKind::Binary: {
        auto& b = static_cast<const BinaryExpr&>(x);
        Value l = eval(*b.x, f);
        if (b.op == Op::And) return truth(l) ? eval(*b.y, f) : l;
        if (b.op == Op::Or) return truth(l) ? l : eval(*b.y, f);
        Value r = eval(*b.y, f);
        return binary_op(th_, b.op, l, r);
      }
      case ExprKind::Cond: {
        auto& c = static_cast<const CondExpr&>(x);
        return truth(eval(*c.cond, f)) ? eval(*c.then, f) : eval(*c.els, f);
      }
      case ExprKind::Index: {
        auto& i = static_cast<const IndexExpr&>(x);
        Value v = eval(*i.x, f);
        Value k = eval(*i.index, f);
        return index_value(th_, v, k);
      }
      case ExprKind::Slice: {
        auto& s = static_cast<const SliceExpr&>(x);
        Value v = eval(*s.x, f);
        Value lo = s.lo ? eval(*s.lo, f) : Value();
        Value hi = s.hi ? eval(*s.hi, f) : Value();
        Value st = s.step ? eval(*s.step, f) : Value();
        return slice_value(th_, v, lo, hi, st);
      }
      case ExprKind::Dot: {
        auto& d = static_cast<const DotExpr&>(x);
        return get_attr(th_, eval(*d.x, f), d.name);
      }
      case ExprKind::Call: return eval_call(static_cast<const CallExpr&>(x), f);
      case ExprKind::Lambda:
        return make_function(*static_cast<const LambdaExpr&>(x).fn, f);
    }
    throw EvalError("internal error: unknown expression");
  }

  Thread& th_;
};

}  // namespace
}  // namespace mm::starlark

#include "orchestrator/starlark/methods.h"

namespace mm::starlark {
namespace {

NativeFn Evaluator::find_method_for(Value recv, std::string_view name) {
  switch (recv.kind()) {
    case Kind::String: return find_string_method(name);
    case Kind::List: return find_list_method(name);
    case Kind::Dict: return find_dict_method(name);
    default: return nullptr;
  }
}

void bind_args(Thread& th, FunctionObj* fn, Args& args, std::vector<Value>& locals) {
  const FuncDef& def = *fn->def;
  const std::string& name = def.name;
  size_t np = static_cast<size_t>(def.num_positional);
  size_t nparams = def.param_names.size();
  if (args.pos.size() > np && def.varargs_slot < 0)
    throw EvalError("function " + name + " accepts " +
                    (np == 0 ? std::string("no") : "at most " + std::to_string(np)) +
                    " positional argument" + (np == 1 ? "" : "s") + " (" +
                    std::to_string(args.pos.size()) + " given)");
  size_t n = std::min(args.pos.size(), np);
  for (size_t i = 0; i < n; ++i) locals[i] = args.pos[i];
  if (def.varargs_slot >= 0) {
    std::vector<Value> rest;
    if (args.pos.size() > np) rest.assign(args.pos.begin() + np, args.pos.end());
    locals[def.varargs_slot] = th.make_tuple(std::move(rest));
  }
  DictObj* kwargs = nullptr;
  if (def.kwargs_slot >= 0) {
    kwargs = th.make_dict();
    locals[def.kwargs_slot] = Value::object(Kind::Dict, kwargs);
  }
  for (auto& [key, val] : args.named) {
    size_t i = 0;
    while (i < nparams && def.param_names[i] != key) ++i;
    if (i < nparams) {
      if (!locals[i].is(Kind::Unbound))
        throw EvalError("function " + name + " got multiple values for parameter \"" +
                        std::string(key) + "\"");
      locals[i] = val;
    } else if (kwargs) {
      Value k = th.make_string(std::string(key));
      if (kwargs->find(k) >= 0)
        throw EvalError("function " + name + " got multiple values for parameter \"" +
                        std::string(key) + "\"");
      kwargs->set(k, val);
    } else {
      throw EvalError("function " + name + " got an unexpected keyword argument " +
                      std::string(key));
    }
  }
  std::vector<std::string> missing;
  for (size_t i = 0; i < nparams; ++i) {
    if (!locals[i].is(Kind::Unbound)) continue;
    if (!fn->defaults[i].is(Kind::Unbound)) locals[i] = fn->defaults[i];
    else missing.push_back(def.param_names[i]);
  }
  if (!missing.empty()) {
    std::string list;
    for (auto& m : missing) list += (list.empty() ? "" : ", ") + m;
    throw EvalError("function " + name + " missing " + std::to_string(missing.size()) +
                    " argument" + (missing.size() == 1 ? "" : "s") + " (" + list + ")");
  }
}

}  // namespace

Value Evaluator::call_function(FunctionObj* fn, Args& args) {
  const FuncDef& def = *fn->def;
  th_.step();
  if (static_cast<int>(th_.stack.size()) >= th_.limits.max_call_depth)
    throw EvalError("call stack depth limit exceeded (" +
                    std::to_string(th_.limits.max_call_depth) + ")");
  if (!th_.limits.allow_recursion &&
      std::find(th_.stack.begin(), th_.stack.end(), &def) != th_.stack.end())
    throw EvalError("function " + def.name + " called recursively");
  std::vector<Value> locals(def.num_locals, Value::unbound());
  bind_args(th_, fn, args, locals);
  for (int slot : def.cell_slots) {
    auto* c = th_.heap.make<Cell>();
    c->v = locals[slot];
    locals[slot] = Value::object(Kind::Cell, c);
  }
  Frame frame{&def, fn->module, locals.data(), fn, Value()};
  th_.stack.push_back(&def);
  struct Pop {
    Thread& th;
    ~Pop() { th.stack.pop_back(); }
  } pop{th_};
  exec_block(def.body, frame);
  return frame.ret;
}

Value call_value(Thread& th, Value fn, Args& args) {
  if (fn.is(Kind::Builtin)) {
    auto* b = fn.as<BuiltinObj>();
    return b->fn(th, b->recv, args);
  }
  if (fn.is(Kind::Function)) {
    Evaluator ev(th);
    return ev.call_function(fn.as<FunctionObj>(), args);
  }
  throw EvalError(std::string("invalid call of non-function (") + type_name(fn) + ")");
}

void exec_module(Thread& th, Module& module) {
  const FileAst& file = *module.file;
  const FuncDef& top = file.toplevel;
  std::vector<Value> locals(top.num_locals, Value::unbound());
  for (int slot : top.cell_slots) {
    auto* c = th.heap.make<Cell>();
    locals[slot] = Value::object(Kind::Cell, c);
  }
  Frame frame{&top, &module, locals.data(), nullptr, Value()};
  Evaluator ev(th);
  try {
    ev.exec_block(top.body, frame);
  } catch (const EvalError& e) {
    throw to_starlark_error(e, file.filename);
  }
  for (Value v : module.globals)
    if (!v.is(Kind::Unbound)) freeze(v);
}

}  // namespace mm::starlark
