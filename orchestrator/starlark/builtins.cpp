#include "orchestrator/starlark/builtins.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "orchestrator/starlark/evaluator.h"
#include "orchestrator/starlark/methods.h"
#include "orchestrator/starlark/operators.h"
#include "orchestrator/starlark/resolver.h"
#include "orchestrator/starlark/utf8.h"

namespace mm::starlark {

void no_named_args(const char* fn, const Args& args) {
  if (!args.named.empty()) throw EvalError(std::string(fn) + ": unexpected keyword arguments");
}

void unpack_args(const char* fn, Args& args, std::initializer_list<const char*> names,
                 std::initializer_list<Value*> out) {
  std::vector<const char*> n(names);
  std::vector<Value*> o(out);
  std::vector<bool> set(n.size(), false);
  auto base = [](const char* s) {
    std::string b(s);
    if (!b.empty() && b.back() == '?') b.pop_back();
    return b;
  };
  if (args.pos.size() > n.size())
    throw EvalError(std::string(fn) + ": got " + std::to_string(args.pos.size()) +
                    " arguments, want at most " + std::to_string(n.size()));
  for (size_t i = 0; i < args.pos.size(); ++i) {
    *o[i] = args.pos[i];
    set[i] = true;
  }
  for (auto& [key, val] : args.named) {
    size_t i = 0;
    while (i < n.size() && base(n[i]) != key) ++i;
    if (i == n.size())
      throw EvalError(std::string(fn) + ": unexpected keyword argument " + std::string(key));
    if (set[i])
      throw EvalError(std::string(fn) + ": got multiple values for argument " + std::string(key));
    *o[i] = val;
    set[i] = true;
  }
  for (size_t i = 0; i < n.size(); ++i) {
    std::string nm(n[i]);
    if (!set[i] && (nm.empty() || nm.back() != '?'))
      throw EvalError(std::string(fn) + ": missing argument for " + nm);
  }
}

namespace {

std::vector<Value> to_vector(Thread& th, Value v, const char* fn) {
  if (!is_iterable(v))
    throw EvalError(std::string(fn) + ": got " + type_name(v) + ", want iterable");
  std::vector<Value> out;
  iterate(th, v, [&](Value e) {
    out.push_back(e);
    return true;
  });
  th.heap.charge(out.size() * sizeof(Value));
  return out;
}

Value b_len(Thread&, Value, Args& a) {
  Value x;
  no_named_args("len", a);
  unpack_args("len", a, {"x"}, {&x});
  int64_t n = x.is(Kind::Json) ? json_length(x) : length(x);
  if (n < 0) throw EvalError(std::string("len: value of type ") + type_name(x) + " has no len");
  return Value::integer(n);
}

Value b_range(Thread& th, Value, Args& a) {
  no_named_args("range", a);
  if (a.pos.empty() || a.pos.size() > 3)
    throw EvalError("range: got " + std::to_string(a.pos.size()) + " arguments, want 1-3");
  auto* r = th.heap.make<RangeObj>();
  if (a.pos.size() == 1) {
    r->stop = to_int(a.pos[0], "range");
  } else {
    r->start = to_int(a.pos[0], "range");
    r->stop = to_int(a.pos[1], "range");
    if (a.pos.size() == 3) r->step = to_int(a.pos[2], "range");
  }
  if (r->step == 0) throw EvalError("range: step argument must not be zero");
  return Value::object(Kind::Range, r);
}

Value b_str(Thread& th, Value, Args& a) {
  Value x;
  no_named_args("str", a);
  unpack_args("str", a, {"x"}, {&x});
  if (x.is(Kind::String)) return x;
  return th.make_string(str(x));
}

Value b_repr(Thread& th, Value, Args& a) {
  Value x;
  no_named_args("repr", a);
  unpack_args("repr", a, {"x"}, {&x});
  return th.make_string(repr(x));
}

Value b_bool(Thread&, Value, Args& a) {
  Value x = Value::boolean(false);
  no_named_args("bool", a);
  unpack_args("bool", a, {"x?"}, {&x});
  return Value::boolean(truth(x));
}

Value parse_int(const std::string& s0, int64_t base, bool base_given) {
  std::string s = s0;
  std::string orig = s0;
  bool neg = false;
  size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) neg = s[i++] == '-';
  std::string body = s.substr(i);
  auto lower = [](std::string x) {
    for (auto& c : x) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return x;
  };
  std::string lb = lower(body);
  auto prefix_base = [&](int64_t& b) {
    if (lb.size() > 1 && lb[0] == '0') {
      if (lb[1] == 'x') b = 16;
      else if (lb[1] == 'o') b = 8;
      else if (lb[1] == 'b') b = 2;
      else return false;
      return true;
    }
    return false;
  };
  if (base == 0) {
    int64_t b = 10;
    if (prefix_base(b)) {
      body = body.substr(2);
    } else if (lb.size() > 1 && lb[0] == '0') {
      for (char c : lb)
        if (c != '0') throw EvalError("int: invalid literal with base 0: " + repr_string(orig));
    }
    base = b;
  } else {
    int64_t b = 0;
    if (prefix_base(b)) {
      if (b != base) throw EvalError("int: invalid literal with base " + std::to_string(base) + ": " + repr_string(orig));
      body = body.substr(2);
    }
  }
  (void)base_given;
  if (body.empty()) throw EvalError("int: invalid literal with base " + std::to_string(base) + ": " + repr_string(orig));
  unsigned __int128 v = 0;
  for (char c : body) {
    int d;
    unsigned char uc = static_cast<unsigned char>(c);
    if (std::isdigit(uc)) d = c - '0';
    else if (std::isalpha(uc)) d = std::tolower(uc) - 'a' + 10;
    else d = 99;
    if (d >= base)
      throw EvalError("int: invalid literal with base " + std::to_string(base) + ": " + repr_string(orig));
    v = v * static_cast<unsigned>(base) + static_cast<unsigned>(d);
    if (v > static_cast<unsigned __int128>(INT64_MAX) + 1)
      fail_unsupported("integer overflow (ints are 64-bit here; big ints are not supported)");
  }
  if (!neg && v > static_cast<unsigned __int128>(INT64_MAX))
    fail_unsupported("integer overflow (ints are 64-bit here; big ints are not supported)");
  int64_t r = neg ? static_cast<int64_t>(-static_cast<__int128>(v)) : static_cast<int64_t>(v);
  return Value::integer(r);
}

Value b_int(Thread&, Value, Args& a) {
  Value x = Value::integer(0), base;
  unpack_args("int", a, {"x?", "base?"}, {&x, &base});
  if (x.is(Kind::String)) {
    int64_t b = base.is_none() ? 10 : to_int(base, "int");
    if (b != 0 && (b < 2 || b > 36)) throw EvalError("int: base must be an integer >= 2 && <= 36");
    return parse_int(str_of(x), b, !base.is_none());
  }
  if (!base.is_none()) throw EvalError("int: can't convert non-string with explicit base");
  switch (x.kind()) {
    case Kind::Int: return x;
    case Kind::Bool: return Value::integer(x.as_bool() ? 1 : 0);
    case Kind::Float: {
      double f = x.as_float();
      if (std::isnan(f)) throw EvalError("int: cannot convert float NaN to integer");
      if (std::isinf(f)) throw EvalError("int: cannot convert float infinity to integer");
      double t = std::trunc(f);
      if (t >= 9223372036854775808.0 || t < -9223372036854775808.0)
        fail_unsupported("integer overflow (ints are 64-bit here; big ints are not supported)");
      return Value::integer(static_cast<int64_t>(t));
    }
    default: throw EvalError(std::string("int: cannot convert ") + type_name(x) + " to int");
  }
}

Value b_float(Thread&, Value, Args& a) {
  Value x = Value::floating(0);
  no_named_args("float", a);
  unpack_args("float", a, {"x?"}, {&x});
  switch (x.kind()) {
    case Kind::Float: return x;
    case Kind::Int: return Value::floating(static_cast<double>(x.as_int()));
    case Kind::Bool: return Value::floating(x.as_bool() ? 1.0 : 0.0);
    case Kind::String: {
      std::string s = str_of(x);
      std::string l;
      for (char c : s) l += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      std::string body = l;
      double sign = 1;
      if (!body.empty() && (body[0] == '+' || body[0] == '-')) {
        sign = body[0] == '-' ? -1 : 1;
        body = body.substr(1);
      }
      if (body == "inf" || body == "infinity") return Value::floating(sign * HUGE_VAL);
      if (body == "nan") return Value::floating(std::nan(""));
      bool ok = !body.empty();
      for (char c : body)
        if (!(std::isdigit(static_cast<unsigned char>(c)) || c == '.' || c == 'e' || c == '+' ||
              c == '-'))
          ok = false;
      char* end = nullptr;
      double d = ok ? std::strtod(s.c_str(), &end) : 0;
      if (!ok || end != s.c_str() + s.size())
        throw EvalError("float: invalid float literal: " + repr_string(s));
      if (std::isinf(d)) throw EvalError("float: floating-point number too large");
      return Value::floating(d);
    }
    default: throw EvalError(std::string("float: cannot convert ") + type_name(x) + " to float");
  }
}

Value b_type(Thread& th, Value, Args& a) {
  Value x;
  no_named_args("type", a);
  unpack_args("type", a, {"x"}, {&x});
  return th.make_string(type_name(x));
}

Value min_max(Thread& th, Args& a, const char* fn, bool want_max) {
  Value key, dflt = Value::unbound();
  for (auto& [k, v] : a.named) {
    if (k == "key") key = v;
    else if (k == "default") dflt = v;
    else throw EvalError(std::string(fn) + ": unexpected keyword argument " + std::string(k));
  }
  if (a.pos.empty()) throw EvalError(std::string(fn) + ": at least one positional argument required");
  std::vector<Value> items = a.pos.size() == 1 ? to_vector(th, a.pos[0], fn) : a.pos;
  if (items.empty()) {
    if (!dflt.is(Kind::Unbound)) return dflt;
    throw EvalError(std::string(fn) + ": argument is an empty sequence");
  }
  Value best = items[0];
  Value best_key = best;
  if (!key.is_none()) {
    Args ka;
    ka.pos.push_back(best);
    best_key = call_value(th, key, ka);
  }
  for (size_t i = 1; i < items.size(); ++i) {
    Value k = items[i];
    if (!key.is_none()) {
      Args ka;
      ka.pos.push_back(items[i]);
      k = call_value(th, key, ka);
    }
    int c = compare(k, best_key);
    if (want_max ? c > 0 : c < 0) {
      best = items[i];
      best_key = k;
    }
  }
  return best;
}

Value b_min(Thread& th, Value, Args& a) { return min_max(th, a, "min", false); }
Value b_max(Thread& th, Value, Args& a) { return min_max(th, a, "max", true); }

Value b_sorted(Thread& th, Value, Args& a) {
  // key starts unbound so that an explicit key=None is an error, as in the reference.
  Value x, key = Value::unbound(), rev = Value::boolean(false);
  unpack_args("sorted", a, {"iterable", "key?", "reverse?"}, {&x, &key, &rev});
  if (!is_iterable(x))
    throw EvalError(std::string("sorted: for parameter iterable: got ") + type_name(x) +
                    ", want iterable");
  if (!key.is(Kind::Unbound) && !key.is(Kind::Function) && !key.is(Kind::Builtin))
    throw EvalError(std::string("sorted: for parameter key: got ") + type_name(key) +
                    ", want callable");
  std::vector<Value> items = to_vector(th, x, "sorted");
  std::vector<Value> keys = items;
  if (!key.is(Kind::Unbound)) {
    for (auto& k : keys) {
      Args ka;
      ka.pos.push_back(k);
      k = call_value(th, key, ka);
    }
  }
  std::vector<size_t> idx(items.size());
  for (size_t i = 0; i < idx.size(); ++i) idx[i] = i;
  bool reverse = truth(rev);
  std::stable_sort(idx.begin(), idx.end(), [&](size_t i, size_t j) {
    th.step();
    return reverse ? compare(keys[j], keys[i]) < 0 : compare(keys[i], keys[j]) < 0;
  });
  std::vector<Value> out;
  out.reserve(items.size());
  for (size_t i : idx) out.push_back(items[i]);
  return th.make_list(std::move(out));
}

Value b_reversed(Thread& th, Value, Args& a) {
  Value x;
  no_named_args("reversed", a);
  unpack_args("reversed", a, {"sequence"}, {&x});
  std::vector<Value> items = to_vector(th, x, "reversed");
  std::reverse(items.begin(), items.end());
  return th.make_list(std::move(items));
}

Value b_any(Thread& th, Value, Args& a) {
  Value x;
  no_named_args("any", a);
  unpack_args("any", a, {"x"}, {&x});
  if (!is_iterable(x)) throw EvalError(std::string("any: got ") + type_name(x) + ", want iterable");
  bool r = false;
  iterate(th, x, [&](Value e) {
    if (truth(e)) r = true;
    return !r;
  });
  return Value::boolean(r);
}

Value b_all(Thread& th, Value, Args& a) {
  Value x;
  no_named_args("all", a);
  unpack_args("all", a, {"x"}, {&x});
  if (!is_iterable(x)) throw EvalError(std::string("all: got ") + type_name(x) + ", want iterable");
  bool r = true;
  iterate(th, x, [&](Value e) {
    if (!truth(e)) r = false;
    return r;
  });
  return Value::boolean(r);
}

Value b_enumerate(Thread& th, Value, Args& a) {
  Value x, start = Value::integer(0);
  unpack_args("enumerate", a, {"iterable", "start?"}, {&x, &start});
  int64_t i = to_int(start, "enumerate");
  std::vector<Value> out;
  for (Value e : to_vector(th, x, "enumerate")) {
    out.push_back(th.make_tuple({Value::integer(i), e}));
    i = add_int(i, 1);
  }
  return th.make_list(std::move(out));
}

Value b_zip(Thread& th, Value, Args& a) {
  no_named_args("zip", a);
  std::vector<std::vector<Value>> cols;
  size_t n = SIZE_MAX;
  for (Value v : a.pos) {
    if (!is_iterable(v))  // the reference's wording
      throw EvalError("zip: argument #" + std::to_string(cols.size() + 1) +
                      " is not iterable: " + type_name(v));
    cols.push_back(to_vector(th, v, "zip"));
    n = std::min(n, cols.back().size());
  }
  if (cols.empty()) n = 0;
  std::vector<Value> out;
  for (size_t i = 0; i < n; ++i) {
    std::vector<Value> row;
    for (auto& c : cols) row.push_back(c[i]);
    out.push_back(th.make_tuple(std::move(row)));
  }
  return th.make_list(std::move(out));
}

Value b_hasattr(Thread& th, Value, Args& a) {
  Value x, name;
  no_named_args("hasattr", a);
  unpack_args("hasattr", a, {"x", "name"}, {&x, &name});
  if (!name.is(Kind::String)) throw EvalError("hasattr: for parameter name: got " + std::string(type_name(name)) + ", want string");
  return Value::boolean(has_attr(th, x, str_of(name)));
}

Value b_getattr(Thread& th, Value, Args& a) {
  Value x, name, dflt = Value::unbound();
  no_named_args("getattr", a);
  unpack_args("getattr", a, {"x", "name", "default?"}, {&x, &name, &dflt});
  if (!name.is(Kind::String)) throw EvalError("getattr: for parameter name: got " + std::string(type_name(name)) + ", want string");
  if (!dflt.is(Kind::Unbound) && !has_attr(th, x, str_of(name))) return dflt;
  return get_attr(th, x, str_of(name));
}

Value b_dir(Thread& th, Value, Args& a) {
  Value x;
  no_named_args("dir", a);
  unpack_args("dir", a, {"x"}, {&x});
  std::vector<std::string> names = attr_names(x);
  std::sort(names.begin(), names.end());
  std::vector<Value> out;
  for (auto& n : names) out.push_back(th.make_string(n));
  return th.make_list(std::move(out));
}

std::string join_args(Args& a, const char* fn) {
  std::string sep = " ";
  for (auto& [k, v] : a.named) {
    if (k != "sep") throw EvalError(std::string(fn) + ": unexpected keyword argument " + std::string(k));
    if (!v.is(Kind::String)) throw EvalError(std::string(fn) + ": for parameter sep: got " + type_name(v) + ", want string");
    sep = str_of(v);
  }
  std::string out;
  for (size_t i = 0; i < a.pos.size(); ++i) {
    if (i) out += sep;
    out += str(a.pos[i]);
  }
  return out;
}

Value b_fail(Thread&, Value, Args& a) { throw EvalError("fail: " + join_args(a, "fail")); }

Value b_print(Thread& th, Value, Args& a) {
  std::string s = join_args(a, "print");
  if (th.print) th.print(s);
  return Value();
}

Value b_hash(Thread&, Value, Args& a) {
  Value x;
  no_named_args("hash", a);
  unpack_args("hash", a, {"x"}, {&x});
  if (!x.is(Kind::String)) throw EvalError(std::string("hash: got ") + type_name(x) + ", want string");
  // Java's String.hashCode over UTF-16 code units, as the Go implementation documents.
  int32_t h = 0;
  for (uint32_t cp : utf8_decode(str_of(x))) {
    auto add = [&](uint32_t unit) { h = static_cast<int32_t>(static_cast<uint32_t>(h) * 31u + unit); };
    if (cp >= 0x10000) {
      cp -= 0x10000;
      add(0xD800 + (cp >> 10));
      add(0xDC00 + (cp & 0x3FF));
    } else {
      add(cp);
    }
  }
  return Value::integer(h);
}

Value b_list(Thread& th, Value, Args& a) {
  Value x;
  no_named_args("list", a);
  unpack_args("list", a, {"iterable?"}, {&x});
  if (x.is_none()) return th.make_list({});
  return th.make_list(to_vector(th, x, "list"));
}

Value b_tuple(Thread& th, Value, Args& a) {
  Value x;
  no_named_args("tuple", a);
  unpack_args("tuple", a, {"iterable?"}, {&x});
  if (x.is_none()) return th.make_tuple({});
  if (x.is(Kind::Tuple)) return x;
  return th.make_tuple(to_vector(th, x, "tuple"));
}

}  // namespace

// Shared by dict() and dict.update().
void dict_update(Thread& th, DictObj* d, Args& a, const char* fn) {
  if (a.pos.size() > 1)
    throw EvalError(std::string(fn) + ": got " + std::to_string(a.pos.size()) + " arguments, want at most 1");
  if (!a.pos.empty()) {
    Value src = a.pos[0];
    if (src.is(Kind::Dict)) {
      for (auto& e : src.as<DictObj>()->entries) d->set(e.first, e.second);
    } else {
      if (!is_iterable(src))
        throw EvalError(std::string(fn) + ": got " + type_name(src) + ", want iterable");
      int64_t i = 0;
      iterate(th, src, [&](Value pair) {
        int64_t n = length(pair);
        if (!(pair.is(Kind::List) || pair.is(Kind::Tuple)) || n < 0)
          throw EvalError(std::string(fn) + ": dictionary update sequence element #" +
                          std::to_string(i) + " is not iterable (" + type_name(pair) + ")");
        if (n != 2)
          throw EvalError(std::string(fn) + ": dictionary update sequence element #" + std::to_string(i) + " has length " + std::to_string(n) + ", want 2");
        const auto& items = pair.is(Kind::List) ? pair.as<ListObj>()->items : pair.as<TupleObj>()->items;
        d->set(items[0], items[1]);
        ++i;
        return true;
      });
    }
  }
  for (size_t i = 0; i < a.named.size(); ++i) {
    for (size_t j = 0; j < i; ++j)
      if (a.named[j].first == a.named[i].first)
        throw EvalError(std::string(fn) + ": duplicate keyword arg: \"" +
                        std::string(a.named[i].first) + "\"");
    d->set(th.make_string(std::string(a.named[i].first)), a.named[i].second);
  }
  th.heap.charge(d->entries.size() * 2 * sizeof(Value));
}

namespace {

Value b_dict(Thread& th, Value, Args& a) {
  DictObj* d = th.make_dict();
  dict_update(th, d, a, "dict");
  return Value::object(Kind::Dict, d);
}

Value b_abs(Thread&, Value, Args& a) {
  Value x;
  no_named_args("abs", a);
  unpack_args("abs", a, {"x"}, {&x});
  if (x.is(Kind::Int)) {
    if (x.as_int() == INT64_MIN)
      fail_unsupported("integer overflow (ints are 64-bit here; big ints are not supported)");
    return Value::integer(std::llabs(x.as_int()));
  }
  if (x.is(Kind::Float)) return Value::floating(std::fabs(x.as_float()));
  throw EvalError(std::string("abs: got ") + type_name(x) + ", want int or float");
}

Value b_chr(Thread& th, Value, Args& a) {
  Value x;
  no_named_args("chr", a);
  unpack_args("chr", a, {"i"}, {&x});
  int64_t i = to_int(x, "chr");
  if (i < 0) throw EvalError("chr: Unicode code point " + std::to_string(i) + " out of range (<0)");
  if (i > 0x10FFFF) {
    char hex[32];
    std::snprintf(hex, sizeof hex, "U+%llX", static_cast<unsigned long long>(i));
    throw EvalError(std::string("chr: Unicode code point ") + hex + " out of range (>0x10FFFF)");
  }
  std::string s;
  utf8_append(s, static_cast<uint32_t>(i));
  return th.make_string(s);
}

Value b_ord(Thread&, Value, Args& a) {
  Value x;
  no_named_args("ord", a);
  unpack_args("ord", a, {"s"}, {&x});
  if (!x.is(Kind::String)) throw EvalError(std::string("ord: got ") + type_name(x) + ", want string");
  std::vector<uint32_t> cps = utf8_decode(str_of(x));
  if (cps.size() != 1)
    throw EvalError("ord: string encodes " + std::to_string(cps.size()) + " Unicode code points, want 1");
  return Value::integer(cps[0]);
}

Value b_set(Thread&, Value, Args&) { fail_unsupported("set"); }

struct Universe {
  Heap heap{SIZE_MAX};
  std::vector<std::string> names;
  std::vector<Value> values;
  Universe() {
    auto add = [&](const char* n, NativeFn fn) {
      names.push_back(n);
      values.push_back(Value::object(Kind::Builtin, heap.make<BuiltinObj>(n, fn)));
    };
    names.push_back("None");
    values.push_back(Value());
    names.push_back("True");
    values.push_back(Value::boolean(true));
    names.push_back("False");
    values.push_back(Value::boolean(false));
    add("abs", b_abs);
    add("all", b_all);
    add("any", b_any);
    add("bool", b_bool);
    add("chr", b_chr);
    add("dict", b_dict);
    add("dir", b_dir);
    add("enumerate", b_enumerate);
    add("fail", b_fail);
    add("float", b_float);
    add("getattr", b_getattr);
    add("hasattr", b_hasattr);
    add("hash", b_hash);
    add("int", b_int);
    add("len", b_len);
    add("list", b_list);
    add("max", b_max);
    add("min", b_min);
    add("ord", b_ord);
    add("print", b_print);
    add("range", b_range);
    add("repr", b_repr);
    add("reversed", b_reversed);
    add("set", b_set);
    add("sorted", b_sorted);
    add("str", b_str);
    add("tuple", b_tuple);
    add("type", b_type);
    add("zip", b_zip);
  }
};

const Universe& universe() {
  static const Universe u;
  return u;
}

}  // namespace

int universe_index(const std::string& name) {
  const auto& names = universe().names;
  auto it = std::find(names.begin(), names.end(), name);
  return it == names.end() ? -1 : static_cast<int>(it - names.begin());
}

const std::vector<std::string>& universe_names() { return universe().names; }

Value universe_value(int index) { return universe().values[index]; }

Value make_builtin(Heap& heap, std::string name, NativeFn fn) {
  return Value::object(Kind::Builtin, heap.make<BuiltinObj>(std::move(name), fn));
}

}  // namespace mm::starlark
