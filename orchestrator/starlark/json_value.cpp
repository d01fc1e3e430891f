#include "orchestrator/starlark/json_value.h"

#include <algorithm>

#include "orchestrator/starlark/methods.h"

namespace mm::starlark {

namespace {

const nlohmann::json& J(Value v) { return *static_cast<const nlohmann::json*>(v.as<JsonObj>()->json); }

Value convert(Thread& th, const nlohmann::json& j, int depth) {
  if (depth > 100) throw EvalError("JSON value nested too deeply");
  switch (j.type()) {
    case nlohmann::json::value_t::null: return Value();
    case nlohmann::json::value_t::boolean: return Value::boolean(j.get<bool>());
    case nlohmann::json::value_t::number_integer: return Value::integer(j.get<int64_t>());
    case nlohmann::json::value_t::number_unsigned: {
      uint64_t u = j.get<uint64_t>();
      if (u <= static_cast<uint64_t>(INT64_MAX)) return Value::integer(static_cast<int64_t>(u));
      return Value::floating(static_cast<double>(u));
    }
    case nlohmann::json::value_t::number_float: return Value::floating(j.get<double>());
    case nlohmann::json::value_t::string: return th.make_string(j.get_ref<const std::string&>());
    case nlohmann::json::value_t::array: {
      std::vector<Value> items;
      items.reserve(j.size());
      for (const auto& e : j) items.push_back(convert(th, e, depth + 1));
      Value l = th.make_list(std::move(items));
      l.as<ListObj>()->frozen = true;
      return l;
    }
    case nlohmann::json::value_t::object:
      return Value::object(Kind::Json, th.heap.make<JsonObj>(&j, "struct", false));
    default: return Value();
  }
}

Value j_get(Thread& th, Value recv, Args& a) {
  Value k, dflt;
  no_named_args("get", a);
  unpack_args("get", a, {"key", "default?"}, {&k, &dflt});
  Value out;
  if (json_index(th, recv, k, &out)) return out;
  return dflt;
}

Value j_keys(Thread& th, Value recv, Args& a) {
  no_named_args("keys", a);
  unpack_args("keys", a, {}, {});
  std::vector<Value> out;
  for (auto it = J(recv).begin(); it != J(recv).end(); ++it) out.push_back(th.make_string(it.key()));
  return th.make_list(std::move(out));
}

Value j_values(Thread& th, Value recv, Args& a) {
  no_named_args("values", a);
  unpack_args("values", a, {}, {});
  std::vector<Value> out;
  for (auto it = J(recv).begin(); it != J(recv).end(); ++it) out.push_back(convert(th, it.value(), 0));
  return th.make_list(std::move(out));
}

Value j_items(Thread& th, Value recv, Args& a) {
  no_named_args("items", a);
  unpack_args("items", a, {}, {});
  std::vector<Value> out;
  for (auto it = J(recv).begin(); it != J(recv).end(); ++it)
    out.push_back(th.make_tuple({th.make_string(it.key()), convert(th, it.value(), 0)}));
  return th.make_list(std::move(out));
}

NativeFn json_method(std::string_view name) {
  if (name == "get") return j_get;
  if (name == "keys") return j_keys;
  if (name == "values") return j_values;
  if (name == "items") return j_items;
  return nullptr;
}

}  // namespace

Value json_to_value(Thread& th, const nlohmann::json& json, const std::string& type_name,
                    bool self_alias) {
  if (!json.is_object()) return convert(th, json, 0);
  return Value::object(Kind::Json, th.heap.make<JsonObj>(&json, type_name, self_alias));
}

bool json_get_attr(Thread& th, Value x, std::string_view name, Value* out) {
  const nlohmann::json& j = J(x);
  auto it = j.find(name);
  if (it != j.end()) {
    *out = convert(th, *it, 0);
    return true;
  }
  if (x.as<JsonObj>()->self_alias && name == "properties") {
    *out = x;
    return true;
  }
  if (NativeFn fn = json_method(name)) {
    *out = Value::object(Kind::Builtin, th.heap.make<BuiltinObj>(std::string(name), fn, x));
    return true;
  }
  return false;
}

std::vector<std::string> json_attr_names(Value x) {
  std::vector<std::string> out;
  for (auto it = J(x).begin(); it != J(x).end(); ++it) out.push_back(it.key());
  if (x.as<JsonObj>()->self_alias) out.push_back("properties");
  return out;
}

bool json_index(Thread& th, Value x, Value key, Value* out) {
  if (!key.is(Kind::String)) return false;
  const nlohmann::json& j = J(x);
  auto it = j.find(str_of(key));
  if (it == j.end()) return false;
  *out = convert(th, *it, 0);
  return true;
}

int64_t json_length(Value x) { return static_cast<int64_t>(J(x).size()); }

bool json_contains(Value x, Value key) {
  return key.is(Kind::String) && J(x).contains(str_of(key));
}

}  // namespace mm::starlark
