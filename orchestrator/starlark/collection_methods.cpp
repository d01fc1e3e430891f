// Methods of list and dict.
#include <algorithm>
#include <unordered_map>

#include "orchestrator/starlark/evaluator.h"
#include "orchestrator/starlark/methods.h"
#include "orchestrator/starlark/operators.h"

namespace mm::starlark {

void dict_update(Thread& th, DictObj* d, Args& a, const char* fn);

namespace {

ListObj* L(Value v) { return v.as<ListObj>(); }
DictObj* D(Value v) { return v.as<DictObj>(); }

Value l_append(Thread& th, Value recv, Args& a) {
  Value x;
  no_named_args("append", a);
  unpack_args("append", a, {"x"}, {&x});
  L(recv)->check_mutable("append to");
  th.heap.charge(sizeof(Value));
  L(recv)->items.push_back(x);
  return Value();
}

Value l_clear(Thread&, Value recv, Args& a) {
  no_named_args("clear", a);
  unpack_args("clear", a, {}, {});
  L(recv)->check_mutable("clear");
  L(recv)->items.clear();
  return Value();
}

Value l_extend(Thread& th, Value recv, Args& a) {
  Value x;
  no_named_args("extend", a);
  unpack_args("extend", a, {"iterable"}, {&x});
  L(recv)->check_mutable("extend");
  if (!is_iterable(x)) throw EvalError(std::string("extend: got ") + type_name(x) + ", want iterable");
  std::vector<Value> tail;
  iterate(th, x, [&](Value e) {
    tail.push_back(e);
    return true;
  });
  th.heap.charge(tail.size() * sizeof(Value));
  auto& items = L(recv)->items;
  items.insert(items.end(), tail.begin(), tail.end());
  return Value();
}

Value l_index(Thread&, Value recv, Args& a) {
  Value x, start, end;
  no_named_args("index", a);
  unpack_args("index", a, {"x", "start?", "end?"}, {&x, &start, &end});
  const auto& items = L(recv)->items;
  int64_t n = static_cast<int64_t>(items.size());
  auto clamp = [&](Value v, int64_t d) {
    if (v.is_none()) return d;
    int64_t k = to_int(v, "index");
    if (k < 0) k += n;
    return std::clamp<int64_t>(k, 0, n);
  };
  for (int64_t i = clamp(start, 0), e = clamp(end, n); i < e; ++i)
    if (equal(items[i], x)) return Value::integer(i);
  throw EvalError("index: value not in list");
}

Value l_insert(Thread& th, Value recv, Args& a) {
  Value iv, x;
  no_named_args("insert", a);
  unpack_args("insert", a, {"index", "x"}, {&iv, &x});
  L(recv)->check_mutable("insert into");
  auto& items = L(recv)->items;
  int64_t n = static_cast<int64_t>(items.size());
  int64_t i = to_int(iv, "insert");
  if (i < 0) i += n;
  i = std::clamp<int64_t>(i, 0, n);
  th.heap.charge(sizeof(Value));
  items.insert(items.begin() + i, x);
  return Value();
}

Value l_pop(Thread&, Value recv, Args& a) {
  Value iv;
  no_named_args("pop", a);
  unpack_args("pop", a, {"index?"}, {&iv});
  L(recv)->check_mutable("pop from");
  auto& items = L(recv)->items;
  int64_t n = static_cast<int64_t>(items.size());
  int64_t i = iv.is_none() ? n - 1 : to_int(iv, "pop");
  if (i < 0 && !iv.is_none()) i += n;
  if (i < 0 || i >= n) {
    if (n == 0) throw EvalError("pop: index out of range: empty list");
    throw EvalError("pop: index " + std::to_string(iv.is_none() ? -1 : iv.as_int()) +
                    " out of range [" + std::to_string(-n) + ":" + std::to_string(n - 1) + "]");
  }
  Value v = items[i];
  items.erase(items.begin() + i);
  return v;
}

Value l_remove(Thread&, Value recv, Args& a) {
  Value x;
  no_named_args("remove", a);
  unpack_args("remove", a, {"x"}, {&x});
  L(recv)->check_mutable("remove from");
  auto& items = L(recv)->items;
  for (size_t i = 0; i < items.size(); ++i) {
    if (equal(items[i], x)) {
      items.erase(items.begin() + static_cast<long>(i));
      return Value();
    }
  }
  throw EvalError("remove: element not found");
}

Value d_clear(Thread&, Value recv, Args& a) {
  no_named_args("clear", a);
  unpack_args("clear", a, {}, {});
  D(recv)->check_mutable("clear");
  D(recv)->clear();
  return Value();
}

Value d_get(Thread&, Value recv, Args& a) {
  Value k, dflt;
  no_named_args("get", a);
  unpack_args("get", a, {"key", "default?"}, {&k, &dflt});
  long i = D(recv)->find(k);
  return i < 0 ? dflt : D(recv)->entries[i].second;
}

Value d_items(Thread& th, Value recv, Args& a) {
  no_named_args("items", a);
  unpack_args("items", a, {}, {});
  std::vector<Value> out;
  for (auto& e : D(recv)->entries) out.push_back(th.make_tuple({e.first, e.second}));
  return th.make_list(std::move(out));
}

Value d_keys(Thread& th, Value recv, Args& a) {
  no_named_args("keys", a);
  unpack_args("keys", a, {}, {});
  std::vector<Value> out;
  for (auto& e : D(recv)->entries) out.push_back(e.first);
  return th.make_list(std::move(out));
}

Value d_values(Thread& th, Value recv, Args& a) {
  no_named_args("values", a);
  unpack_args("values", a, {}, {});
  std::vector<Value> out;
  for (auto& e : D(recv)->entries) out.push_back(e.second);
  return th.make_list(std::move(out));
}

Value d_pop(Thread&, Value recv, Args& a) {
  Value k, dflt = Value::unbound();
  no_named_args("pop", a);
  unpack_args("pop", a, {"key", "default?"}, {&k, &dflt});
  D(recv)->check_mutable("delete from");
  Value old;
  if (D(recv)->erase(k, &old)) return old;
  if (!dflt.is(Kind::Unbound)) return dflt;
  throw EvalError("pop: missing key " + repr(k));
}

Value d_popitem(Thread& th, Value recv, Args& a) {
  no_named_args("popitem", a);
  unpack_args("popitem", a, {}, {});
  D(recv)->check_mutable("delete from");
  auto& e = D(recv)->entries;
  if (e.empty()) throw EvalError("popitem: empty dict");
  Value k = e.front().first, v = e.front().second;
  D(recv)->erase(k, nullptr);
  return th.make_tuple({k, v});
}

Value d_setdefault(Thread&, Value recv, Args& a) {
  Value k, dflt;
  no_named_args("setdefault", a);
  unpack_args("setdefault", a, {"key", "default?"}, {&k, &dflt});
  long i = D(recv)->find(k);
  if (i >= 0) return D(recv)->entries[i].second;
  D(recv)->check_mutable("insert into");
  D(recv)->set(k, dflt);
  return dflt;
}

Value d_update(Thread& th, Value recv, Args& a) {
  D(recv)->check_mutable("insert into");
  dict_update(th, D(recv), a, "update");
  return Value();
}

const std::unordered_map<std::string_view, NativeFn>& list_table() {
  static const std::unordered_map<std::string_view, NativeFn> t = {
      {"append", l_append}, {"clear", l_clear}, {"extend", l_extend}, {"index", l_index},
      {"insert", l_insert}, {"pop", l_pop},     {"remove", l_remove},
  };
  return t;
}

const std::unordered_map<std::string_view, NativeFn>& dict_table() {
  static const std::unordered_map<std::string_view, NativeFn> t = {
      {"clear", d_clear}, {"get", d_get},         {"items", d_items},
      {"keys", d_keys},   {"pop", d_pop},         {"popitem", d_popitem},
      {"setdefault", d_setdefault}, {"update", d_update}, {"values", d_values},
  };
  return t;
}

std::vector<std::string> names_of(const std::unordered_map<std::string_view, NativeFn>& t) {
  std::vector<std::string> out;
  for (auto& kv : t) out.emplace_back(kv.first);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

NativeFn find_list_method(std::string_view name) {
  auto it = list_table().find(name);
  return it == list_table().end() ? nullptr : it->second;
}
NativeFn find_dict_method(std::string_view name) {
  auto it = dict_table().find(name);
  return it == dict_table().end() ? nullptr : it->second;
}
std::vector<std::string> list_method_names() { return names_of(list_table()); }
std::vector<std::string> dict_method_names() { return names_of(dict_table()); }

}  // namespace mm::starlark
