#include "orchestrator/starlark/operators.h"

#include <algorithm>
#include <cmath>

#include "orchestrator/starlark/methods.h"
#include "orchestrator/starlark/resolver.h"

namespace mm::starlark {

namespace {
constexpr size_t kMaxRepeat = 64u << 20;  // elements or bytes produced by * repetition

[[noreturn]] void overflow() {
  fail_unsupported("integer overflow (ints are 64-bit here; big ints are not supported)");
}

[[noreturn]] void bad_binary(Op op, Value x, Value y) {
  throw EvalError(std::string("unknown binary op: ") + type_name(x) + " " + op_text(op) + " " +
                  type_name(y));
}

bool is_number(Value v) { return v.is(Kind::Int) || v.is(Kind::Float); }
double as_double(Value v) {
  return v.is(Kind::Int) ? static_cast<double>(v.as_int()) : v.as_float();
}

const std::vector<Value>& seq_items(Value v) {
  return v.is(Kind::List) ? v.as<ListObj>()->items : v.as<TupleObj>()->items;
}

Value repeat(Thread& th, Value seq, int64_t n) {
  if (n < 0) n = 0;
  if (n > INT32_MAX) throw EvalError("repeat count " + std::to_string(n) + " too large");
  if (seq.is(Kind::String)) {
    const std::string& s = str_of(seq);
    if (n > 0 && s.size() > kMaxRepeat / static_cast<uint64_t>(n))
      throw EvalError("excessive repeat (" + std::to_string(s.size()) + " * " +
                      std::to_string(n) + " elements)");
    std::string out;
    out.reserve(s.size() * n);
    for (int64_t i = 0; i < n; ++i) out += s;
    return th.make_string(std::move(out));
  }
  const auto& items = seq_items(seq);
  if (n > 0 && items.size() > kMaxRepeat / static_cast<uint64_t>(n))
    throw EvalError("excessive repeat (" + std::to_string(items.size()) + " * " +
                    std::to_string(n) + " elements)");
  std::vector<Value> out;
  out.reserve(items.size() * n);
  for (int64_t i = 0; i < n; ++i) out.insert(out.end(), items.begin(), items.end());
  return seq.is(Kind::List) ? th.make_list(std::move(out)) : th.make_tuple(std::move(out));
}

namespace {
bool is_hashable(Value x) {
  try {
    (void)hash_value(x);
    return true;
  } catch (const EvalError&) {
    return false;
  }
}
}  // namespace

bool contains(Value container, Value x) {
  switch (container.kind()) {
    case Kind::List:
    case Kind::Tuple:
      for (Value e : seq_items(container))
        if (equal(e, x)) return true;
      return false;
    case Kind::Dict:
      // The reference answers "not in" for an unhashable key instead of failing
      // (go.starlark.net testdata/builtins.star: `[] not in {123: ""}`).
      if (!is_hashable(x)) return false;
      return container.as<DictObj>()->find(x) >= 0;
    case Kind::String:
      if (!x.is(Kind::String))
        throw EvalError(std::string("'in <string>' requires string as left operand, not ") +
                        type_name(x));
      return str_of(container).find(str_of(x)) != std::string::npos;
    case Kind::Range: {
      auto* r = container.as<RangeObj>();
      int64_t v;
      if (x.is(Kind::Int)) v = x.as_int();
      else if (x.is(Kind::Float) && x.as_float() == std::floor(x.as_float()) &&
               std::fabs(x.as_float()) < 9e18)
        v = static_cast<int64_t>(x.as_float());
      else
        return false;
      if (r->len() == 0) return false;
      if (r->step > 0 ? (v < r->start || v >= r->stop) : (v > r->start || v <= r->stop))
        return false;
      return (static_cast<__int128>(v) - r->start) % r->step == 0;
    }
    case Kind::Json: return json_contains(container, x);
    default:
      throw EvalError(std::string("unknown binary op: ") + type_name(x) + " in " +
                      type_name(container));
  }
}

int64_t floor_div(int64_t a, int64_t b) {
  if (b == 0) throw EvalError("integer division by zero");
  if (a == INT64_MIN && b == -1) overflow();
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

int64_t floor_mod(int64_t a, int64_t b) {
  if (b == 0) throw EvalError("integer modulo by zero");
  if (b == -1) return 0;
  int64_t r = a % b;
  if (r != 0 && ((r < 0) != (b < 0))) r += b;
  return r;
}

double float_mod(double a, double b) {
  if (b == 0) throw EvalError("floating-point modulo by zero");
  double r = std::fmod(a, b);
  if (r != 0 && ((r < 0) != (b < 0))) r += b;
  return r;
}

}  // namespace

int64_t add_int(int64_t a, int64_t b) {
  int64_t r;
  if (__builtin_add_overflow(a, b, &r)) overflow();
  return r;
}

int64_t mul_int(int64_t a, int64_t b) {
  int64_t r;
  if (__builtin_mul_overflow(a, b, &r)) overflow();
  return r;
}

int64_t to_int(Value v, const char* what) {
  if (!v.is(Kind::Int))
    throw EvalError(std::string(what) + ": got " + type_name(v) + ", want int");
  return v.as_int();
}

int64_t checked_index(Value i, int64_t n, const char* what) {
  if (!i.is(Kind::Int))
    throw EvalError(std::string(what) + " index: got " + type_name(i) + ", want int");
  int64_t k = i.as_int();
  int64_t orig = k;
  if (k < 0) k += n;
  if (k < 0 || k >= n) {
    if (n == 0) throw EvalError("index " + std::to_string(orig) + " out of range: empty " + what);
    throw EvalError(std::string(what) + " index " + std::to_string(orig) + " out of range [" +
                    std::to_string(-n) + ":" + std::to_string(n - 1) + "]");
  }
  return k;
}

Value binary_op(Thread& th, Op op, Value x, Value y) {
  switch (op) {
    case Op::Eq: return Value::boolean(equal(x, y));
    case Op::Ne: return Value::boolean(!equal(x, y));
    case Op::Lt: return Value::boolean(compare(x, y) < 0);
    case Op::Le: return Value::boolean(compare(x, y) <= 0);
    case Op::Gt: return Value::boolean(compare(x, y) > 0);
    case Op::Ge: return Value::boolean(compare(x, y) >= 0);
    case Op::In: return Value::boolean(contains(y, x));
    case Op::NotIn: return Value::boolean(!contains(y, x));
    default: break;
  }
  Kind kx = x.kind(), ky = y.kind();
  if (kx == Kind::Int && ky == Kind::Int) {
    int64_t a = x.as_int(), b = y.as_int();
    switch (op) {
      case Op::Add: return Value::integer(add_int(a, b));
      case Op::Sub: {
        int64_t r;
        if (__builtin_sub_overflow(a, b, &r)) overflow();
        return Value::integer(r);
      }
      case Op::Mul: return Value::integer(mul_int(a, b));
      case Op::Div:
        if (b == 0) throw EvalError("floating-point division by zero");
        return Value::floating(static_cast<double>(a) / static_cast<double>(b));
      case Op::FloorDiv: return Value::integer(floor_div(a, b));
      case Op::Mod: return Value::integer(floor_mod(a, b));
      case Op::BitAnd: return Value::integer(a & b);
      case Op::BitOr: return Value::integer(a | b);
      case Op::BitXor: return Value::integer(a ^ b);
      case Op::Shl:
      case Op::Shr: {
        if (b < 0) throw EvalError("negative shift count: " + std::to_string(b));
        if (b >= 512) throw EvalError("shift count too large: " + std::to_string(b));
        if (op == Op::Shr) return Value::integer(b >= 63 ? (a < 0 ? -1 : 0) : a >> b);
        if (a == 0) return Value::integer(0);
        if (b >= 63) overflow();
        int64_t r = static_cast<int64_t>(static_cast<uint64_t>(a) << b);
        if ((r >> b) != a) overflow();
        return Value::integer(r);
      }
      default: bad_binary(op, x, y);
    }
  }
  if (is_number(x) && is_number(y)) {
    double a = as_double(x), b = as_double(y);
    switch (op) {
      case Op::Add: return Value::floating(a + b);
      case Op::Sub: return Value::floating(a - b);
      case Op::Mul: return Value::floating(a * b);
      case Op::Div:
        if (b == 0) throw EvalError("floating-point division by zero");
        return Value::floating(a / b);
      case Op::FloorDiv:
        if (b == 0) throw EvalError("floating-point division by zero");
        return Value::floating(std::floor(a / b));
      case Op::Mod: return Value::floating(float_mod(a, b));
      default: bad_binary(op, x, y);
    }
  }
  switch (op) {
    case Op::Add:
      if (kx == Kind::String && ky == Kind::String) {
        th.heap.charge(str_of(x).size() + str_of(y).size());
        return th.make_string(str_of(x) + str_of(y));
      }
      if ((kx == Kind::List && ky == Kind::List) || (kx == Kind::Tuple && ky == Kind::Tuple)) {
        std::vector<Value> out = seq_items(x);
        const auto& b = seq_items(y);
        out.insert(out.end(), b.begin(), b.end());
        return kx == Kind::List ? th.make_list(std::move(out)) : th.make_tuple(std::move(out));
      }
      break;
    case Op::Mul:
      if (ky == Kind::Int && (kx == Kind::String || kx == Kind::List || kx == Kind::Tuple))
        return repeat(th, x, y.as_int());
      if (kx == Kind::Int && (ky == Kind::String || ky == Kind::List || ky == Kind::Tuple))
        return repeat(th, y, x.as_int());
      break;
    case Op::Mod:
      if (kx == Kind::String) return percent_format(th, str_of(x), y);
      break;
    case Op::BitOr:
      if (kx == Kind::Dict && ky == Kind::Dict) {
        DictObj* d = th.make_dict();
        for (auto& e : x.as<DictObj>()->entries) d->set(e.first, e.second);
        for (auto& e : y.as<DictObj>()->entries) d->set(e.first, e.second);
        return Value::object(Kind::Dict, d);
      }
      break;
    default: break;
  }
  bad_binary(op, x, y);
}

Value unary_op(Thread&, Op op, Value x) {
  switch (op) {
    case Op::Not: return Value::boolean(!truth(x));
    case Op::Neg:
      if (x.is(Kind::Int)) {
        if (x.as_int() == INT64_MIN) overflow();
        return Value::integer(-x.as_int());
      }
      if (x.is(Kind::Float)) return Value::floating(-x.as_float());
      break;
    case Op::Pos:
      if (is_number(x)) return x;
      break;
    case Op::BitNot:
      if (x.is(Kind::Int)) return Value::integer(~x.as_int());
      break;
    default: break;
  }
  throw EvalError(std::string("unknown unary op: ") + op_text(op) + " " + type_name(x));
}

Value index_value(Thread& th, Value x, Value i) {
  switch (x.kind()) {
    case Kind::List:
    case Kind::Tuple: {
      const auto& items = seq_items(x);
      return items[checked_index(i, static_cast<int64_t>(items.size()), type_name(x))];
    }
    case Kind::String: {
      const std::string& s = str_of(x);
      int64_t k = checked_index(i, static_cast<int64_t>(s.size()), "string");
      return th.make_string(std::string(1, s[k]));
    }
    case Kind::Range: {
      auto* r = x.as<RangeObj>();
      return Value::integer(r->at(checked_index(i, r->len(), "range")));
    }
    case Kind::Dict: {
      auto* d = x.as<DictObj>();
      long k = d->find(i);
      if (k < 0) throw EvalError("key " + repr(i) + " not in dict");
      return d->entries[k].second;
    }
    case Kind::Json: {
      Value out;
      if (json_index(th, x, i, &out)) return out;
      throw EvalError("key " + repr(i) + " not in " + type_name(x));
    }
    default:
      throw EvalError(std::string("unhandled index operation ") + type_name(x) + "[" +
                      type_name(i) + "]");
  }
}

void set_index(Thread&, Value x, Value i, Value v) {
  if (x.is(Kind::List)) {
    auto* l = x.as<ListObj>();
    l->check_mutable("assign to element of");
    l->items[checked_index(i, static_cast<int64_t>(l->items.size()), "list")] = v;
    return;
  }
  if (x.is(Kind::Dict)) {
    auto* d = x.as<DictObj>();
    d->check_mutable("insert into");
    d->set(i, v);
    return;
  }
  throw EvalError(std::string(type_name(x)) + " value does not support item assignment");
}

Value slice_value(Thread& th, Value x, Value lo, Value hi, Value stepv) {
  int64_t n = length(x);
  if (n < 0 || x.is(Kind::Dict))
    throw EvalError(std::string("invalid slice operand ") + type_name(x));
  int64_t step = 1;
  if (!stepv.is_none()) {
    step = to_int(stepv, "invalid slice step");
    if (step == 0) throw EvalError("zero is not a valid slice step");
  }
  auto bound = [&](Value v, int64_t dflt, const char* what) -> int64_t {
    if (v.is_none()) return dflt;
    int64_t k = to_int(v, what);
    if (k < 0) k += n;
    if (step > 0) return std::clamp<int64_t>(k, 0, n);
    return std::clamp<int64_t>(k, -1, n - 1);
  };
  // Worded as the reference's errors ("invalid start index: got float, want int").
  int64_t start = bound(lo, step > 0 ? 0 : n - 1, "invalid start index");
  int64_t stop = bound(hi, step > 0 ? n : -1, "invalid end index");
  std::vector<int64_t> idx;
  if (step > 0)
    for (int64_t k = start; k < stop; k += step) idx.push_back(k);
  else
    for (int64_t k = start; k > stop; k += step) idx.push_back(k);
  switch (x.kind()) {
    case Kind::String: {
      const std::string& s = str_of(x);
      std::string out;
      out.reserve(idx.size());
      for (int64_t k : idx) out += s[k];
      return th.make_string(std::move(out));
    }
    case Kind::List:
    case Kind::Tuple: {
      const auto& items = seq_items(x);
      std::vector<Value> out;
      out.reserve(idx.size());
      for (int64_t k : idx) out.push_back(items[k]);
      return x.is(Kind::List) ? th.make_list(std::move(out)) : th.make_tuple(std::move(out));
    }
    case Kind::Range: {
      auto* r = x.as<RangeObj>();
      auto* out = th.heap.make<RangeObj>();
      out->start = r->start + start * r->step;
      out->step = mul_int(r->step, step);
      out->stop = r->start + stop * r->step;
      return Value::object(Kind::Range, out);
    }
    default: throw EvalError(std::string("invalid slice operand ") + type_name(x));
  }
}

namespace {
NativeFn method_of(Value x, std::string_view name) {
  switch (x.kind()) {
    case Kind::String: return find_string_method(name);
    case Kind::List: return find_list_method(name);
    case Kind::Dict: return find_dict_method(name);
    default: return nullptr;
  }
}
}  // namespace

Value get_attr(Thread& th, Value x, std::string_view name) {
  if (x.is(Kind::Struct)) {
    if (const Value* v = x.as<StructObj>()->get(name)) return *v;
  } else if (x.is(Kind::Json)) {
    Value out;
    if (json_get_attr(th, x, name, &out)) return out;
  } else if (NativeFn fn = method_of(x, name)) {
    return Value::object(Kind::Builtin, th.heap.make<BuiltinObj>(std::string(name), fn, x));
  }
  throw EvalError(no_attr_message(x, name));
}

std::string no_attr_message(Value x, std::string_view name) {
  // A typo such as instance.os_verison gets the field it most likely meant.
  std::string hint = spelling_hint(std::string(name), attr_names(x));
  return std::string(type_name(x)) + " has no ." + std::string(name) + " field or method" +
         (hint.empty() ? "" : " (did you mean ." + hint + "?)");
}

bool has_attr(Thread& th, Value x, std::string_view name) {
  if (x.is(Kind::Struct)) return x.as<StructObj>()->get(name) != nullptr;
  if (x.is(Kind::Json)) {
    Value out;
    return json_get_attr(th, x, name, &out);
  }
  return method_of(x, name) != nullptr;
}

std::vector<std::string> attr_names(Value x) {
  switch (x.kind()) {
    case Kind::String: return string_method_names();
    case Kind::List: return list_method_names();
    case Kind::Dict: return dict_method_names();
    case Kind::Struct: {
      std::vector<std::string> out;
      for (auto& f : x.as<StructObj>()->fields) out.push_back(f.first);
      return out;
    }
    case Kind::Json: return json_attr_names(x);
    default: return {};
  }
}

}  // namespace mm::starlark
