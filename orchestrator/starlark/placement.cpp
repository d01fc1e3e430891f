#include "orchestrator/starlark/placement.h"

#include <algorithm>

#include "orchestrator/starlark/builtins.h"
#include "orchestrator/starlark/interpreter.h"
#include "orchestrator/starlark/json_value.h"
#include "orchestrator/starlark/methods.h"

namespace mm::starlark {

namespace {

// State of one place() call, reached by the builtins through Thread::host.
struct PlacementContext {
  const nlohmann::json* instance;
  PlacementResult result;
};

PlacementContext& ctx(Thread& th, const char* fn) {
  if (!th.host)
    throw EvalError(std::string(fn) + ": only available while placement(instance, batch) runs");
  return *static_cast<PlacementContext*>(th.host);
}

std::string want_string(Value v, const char* fn, const char* param, bool allow_empty = false) {
  if (!v.is(Kind::String))
    throw EvalError(std::string(fn) + ": for parameter " + param + ": got " + type_name(v) +
                    ", want string");
  if (!allow_empty && str_of(v).empty())
    throw EvalError(std::string(fn) + ": " + param + " must not be empty");
  return str_of(v);
}

std::string instance_name(const nlohmann::json& inst) {
  auto it = inst.find("name");
  return it != inst.end() && it->is_string() ? it->get<std::string>() : std::string("?");
}

Value log_at(Thread& th, Args& a, const char* fn, LogLevel level) {
  Value msg;
  no_named_args(fn, a);
  unpack_args(fn, a, {"message"}, {&msg});
  ctx(th, fn).result.log.push_back({level, str(msg)});
  return Value();
}

Value p_log_info(Thread& th, Value, Args& a) { return log_at(th, a, "log_info", LogLevel::Info); }
Value p_log_warn(Thread& th, Value, Args& a) { return log_at(th, a, "log_warn", LogLevel::Warn); }
Value p_log_error(Thread& th, Value, Args& a) { return log_at(th, a, "log_error", LogLevel::Error); }

Value p_set_target(Thread& th, Value, Args& a) {
  Value name;
  unpack_args("set_target", a, {"name"}, {&name});
  ctx(th, "set_target").result.target = want_string(name, "set_target", "name");
  return Value();
}

Value p_set_project(Thread& th, Value, Args& a) {
  Value name;
  unpack_args("set_project", a, {"name"}, {&name});
  ctx(th, "set_project").result.project = want_string(name, "set_project", "name");
  return Value();
}

Value p_set_pool(Thread& th, Value, Args& a) {
  Value disk, pool;
  unpack_args("set_pool", a, {"disk_name", "pool"}, {&disk, &pool});
  PlacementContext& c = ctx(th, "set_pool");
  std::string d = want_string(disk, "set_pool", "disk_name");
  std::string p = want_string(pool, "set_pool", "pool");
  bool found = false;
  auto disks = c.instance->find("disks");
  if (disks != c.instance->end() && disks->is_array())
    for (const auto& e : *disks)
      if (e.is_object() && e.value("name", std::string()) == d) found = true;
  if (!found)
    throw EvalError("set_pool: instance \"" + instance_name(*c.instance) + "\" has no disk named \"" +
                    d + "\"");
  c.result.pools[d] = p;
  return Value();
}

Value p_set_network(Thread& th, Value, Args& a) {
  Value hw, net, type, vlan = Value();
  unpack_args("set_network", a, {"hwaddr", "network", "nictype", "vlan?"}, {&hw, &net, &type, &vlan});
  PlacementContext& c = ctx(th, "set_network");
  std::string h = want_string(hw, "set_network", "hwaddr");
  std::string n = want_string(net, "set_network", "network");
  std::string t = want_string(type, "set_network", "nictype");
  std::string v;
  if (vlan.is(Kind::String)) v = str_of(vlan);
  else if (vlan.is(Kind::Int)) v = std::to_string(vlan.as_int());
  else if (!vlan.is_none())
    throw EvalError(std::string("set_network: for parameter vlan: got ") + type_name(vlan) +
                    ", want string, int or None");
  if (t != "managed" && t != "bridged" && t != "physical")
    throw EvalError("set_network: unknown nictype \"" + t + "\" (want managed, bridged or physical)");
  if (!v.empty() && t == "managed")
    throw EvalError("set_network: a VLAN can only be set for bridged or physical NICs, not managed");
  bool found = false;
  auto nics = c.instance->find("nics");
  if (nics != c.instance->end() && nics->is_array())
    for (const auto& e : *nics)
      if (e.is_object() && e.value("hardware_address", std::string()) == h) found = true;
  if (!found)
    throw EvalError("set_network: instance \"" + instance_name(*c.instance) +
                    "\" has no NIC with hardware address \"" + h + "\"");
  c.result.networks[h] = NetworkPlacement{n, t, v};
  return Value();
}

struct HostBuiltin {
  const char* name;
  NativeFn fn;
};
constexpr HostBuiltin kBuiltins[] = {
    {"log_info", p_log_info},     {"log_warn", p_log_warn},       {"log_error", p_log_error},
    {"set_target", p_set_target}, {"set_project", p_set_project}, {"set_pool", p_set_pool},
    {"set_network", p_set_network},
};

}  // namespace

PlacementScript PlacementScript::compile(std::string source, std::string filename, Limits limits) {
  ResolveOptions opts;
  opts.is_predeclared = [](const std::string& n) {
    return std::any_of(std::begin(kBuiltins), std::end(kBuiltins),
                       [&](const HostBuiltin& b) { return n == b.name; });
  };
  for (const auto& b : kBuiltins) opts.predeclared_hints.push_back(b.name);
  auto file = compile_file(source, filename, opts);

  PlacementScript s;
  s.filename_ = filename;
  s.limits_ = limits;
  s.heap_ = std::make_shared<Heap>(limits.max_memory);
  Heap& heap = *s.heap_;
  s.module_ = make_module(file, [&](const std::string& n) {
    for (const auto& b : kBuiltins)
      if (n == b.name) return make_builtin(heap, b.name, b.fn);
    return Value();
  });
  Thread th(heap, limits);
  exec_module(th, *s.module_);  // top level runs once; host is null, so set_* fail there
  const Value* fn = s.module_->global("placement");
  if (!fn || !fn->is(Kind::Function))
    throw StarlarkError(filename, Position{1, 1},
                        "script must define a function placement(instance, batch)");
  const FuncDef* def = fn->as<FunctionObj>()->def;
  if (def->num_positional < 2 && def->varargs_slot < 0)
    throw StarlarkError(filename, def->pos,
                        "placement must accept two arguments: placement(instance, batch)");
  s.placement_ = *fn;
  return s;
}

PlacementResult PlacementScript::place(const nlohmann::json& instance,
                                       const nlohmann::json& batch) const {
  Heap heap(limits_.max_memory);
  Thread th(heap, limits_);
  PlacementContext c{&instance, {}};
  th.host = &c;
  th.print = [&c](const std::string& s) { c.result.log.push_back({LogLevel::Info, s}); };
  try {
    Args args;
    args.pos.push_back(json_to_value(th, instance, "instance", true));
    args.pos.push_back(json_to_value(th, batch, "batch", false));
    call_value(th, placement_, args);
  } catch (const EvalError& e) {
    throw to_starlark_error(e, filename_);
  }
  return std::move(c.result);
}

}  // namespace mm::starlark
