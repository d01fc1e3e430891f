#include "orchestrator/starlark/value.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <unordered_set>

#include "orchestrator/starlark/evaluator.h"
#include "orchestrator/starlark/utf8.h"

namespace mm::starlark {

namespace {
constexpr int kMaxNesting = 1000;  // guards C++ recursion over deeply nested values

void check_depth(int depth) {
  if (depth > kMaxNesting) throw EvalError("maximum recursion depth exceeded");
}

int cmp_float(double a, double b) {
  // Total order as in the Go implementation: NaN equals itself and sorts above +Inf.
  bool an = std::isnan(a), bn = std::isnan(b);
  if (an || bn) return an && bn ? 0 : an ? 1 : -1;
  return a < b ? -1 : a > b ? 1 : 0;
}

int cmp_int_float(int64_t i, double f) {
  if (std::isnan(f)) return -1;
  long double li = static_cast<long double>(i), lf = static_cast<long double>(f);
  return li < lf ? -1 : li > lf ? 1 : 0;
}

uint64_t mix(uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  return h;
}
}  // namespace

void Mutable::check_mutable(const char* phrase) const {
  if (frozen) throw EvalError(std::string("cannot ") + phrase + " frozen " + noun());
  if (iterating > 0)
    throw EvalError(std::string("cannot ") + phrase + " " + noun() + " during iteration");
}

int64_t RangeObj::len() const {
  if (step > 0) {
    if (start >= stop) return 0;
    return static_cast<int64_t>((static_cast<__int128>(stop) - start - 1) / step + 1);
  }
  if (start <= stop) return 0;
  return static_cast<int64_t>((static_cast<__int128>(start) - stop - 1) / -static_cast<__int128>(step) + 1);
}

long DictObj::find(Value key) const {
  uint64_t h = hash_value(key);
  auto range = index.equal_range(h);
  for (auto it = range.first; it != range.second; ++it)
    if (equal(entries[it->second].first, key)) return it->second;
  return -1;
}

void DictObj::set(Value key, Value value) {
  uint64_t h = hash_value(key);
  auto range = index.equal_range(h);
  for (auto it = range.first; it != range.second; ++it) {
    if (equal(entries[it->second].first, key)) {
      entries[it->second].second = value;
      return;
    }
  }
  index.emplace(h, static_cast<uint32_t>(entries.size()));
  entries.emplace_back(key, value);
}

bool DictObj::erase(Value key, Value* old) {
  long i = find(key);
  if (i < 0) return false;
  if (old) *old = entries[i].second;
  entries.erase(entries.begin() + i);
  rebuild_index();
  return true;
}

void DictObj::clear() {
  entries.clear();
  index.clear();
}

void DictObj::rebuild_index() {
  index.clear();
  for (size_t i = 0; i < entries.size(); ++i)
    index.emplace(hash_value(entries[i].first), static_cast<uint32_t>(i));
}

const Value* StructObj::get(std::string_view name) const {
  auto it = std::lower_bound(fields.begin(), fields.end(), name,
                             [](const auto& f, std::string_view n) { return f.first < n; });
  if (it != fields.end() && it->first == name) return &it->second;
  return nullptr;
}

const char* type_name(Value v) {
  switch (v.kind()) {
    case Kind::Unbound: return "unbound";
    case Kind::None: return "NoneType";
    case Kind::Bool: return "bool";
    case Kind::Int: return "int";
    case Kind::Float: return "float";
    case Kind::String: return "string";
    case Kind::List: return "list";
    case Kind::Tuple: return "tuple";
    case Kind::Dict: return "dict";
    case Kind::Range: return "range";
    case Kind::Function: return "function";
    case Kind::Builtin: return "builtin_function_or_method";
    case Kind::Struct: return v.as<StructObj>()->type_name.c_str();
    case Kind::Json: return v.as<JsonObj>()->type_name.c_str();
    case Kind::StrIter:
      return v.as<StrIterObj>()->mode <= StrIterObj::ElemOrds ? "elems" : "codepoints";
    case Kind::Cell: return "cell";
  }
  return "?";
}

const std::string& str_of(Value v) { return v.as<StrObj>()->s; }

bool truth(Value v) {
  switch (v.kind()) {
    case Kind::None:
    case Kind::Unbound: return false;
    case Kind::Bool: return v.as_bool();
    case Kind::Int: return v.as_int() != 0;
    case Kind::Float: return v.as_float() != 0;
    case Kind::String: return !str_of(v).empty();
    case Kind::List: return !v.as<ListObj>()->items.empty();
    case Kind::Tuple: return !v.as<TupleObj>()->items.empty();
    case Kind::Dict: return !v.as<DictObj>()->entries.empty();
    case Kind::Range: return v.as<RangeObj>()->len() > 0;
    default: return true;
  }
}

bool equal(Value a, Value b, int depth) {
  check_depth(depth);
  if (a.kind() != b.kind()) {
    if (a.is(Kind::Int) && b.is(Kind::Float)) return cmp_int_float(a.as_int(), b.as_float()) == 0;
    if (a.is(Kind::Float) && b.is(Kind::Int)) return cmp_int_float(b.as_int(), a.as_float()) == 0;
    return false;
  }
  switch (a.kind()) {
    case Kind::None: return true;
    case Kind::Bool: return a.as_bool() == b.as_bool();
    case Kind::Int: return a.as_int() == b.as_int();
    case Kind::Float: return cmp_float(a.as_float(), b.as_float()) == 0;
    case Kind::String: return str_of(a) == str_of(b);
    case Kind::List:
    case Kind::Tuple: {
      const auto& x = a.is(Kind::List) ? a.as<ListObj>()->items : a.as<TupleObj>()->items;
      const auto& y = b.is(Kind::List) ? b.as<ListObj>()->items : b.as<TupleObj>()->items;
      if (x.size() != y.size()) return false;
      for (size_t i = 0; i < x.size(); ++i)
        if (!equal(x[i], y[i], depth + 1)) return false;
      return true;
    }
    case Kind::Dict: {
      auto* x = a.as<DictObj>();
      auto* y = b.as<DictObj>();
      if (x->entries.size() != y->entries.size()) return false;
      for (auto& e : x->entries) {
        long i = y->find(e.first);
        if (i < 0 || !equal(e.second, y->entries[i].second, depth + 1)) return false;
      }
      return true;
    }
    case Kind::Range: {
      auto* x = a.as<RangeObj>();
      auto* y = b.as<RangeObj>();
      int64_t n = x->len();
      if (n != y->len()) return false;
      if (n == 0) return true;
      if (x->start != y->start) return false;
      return n == 1 || x->step == y->step;
    }
    case Kind::Struct: {
      auto* x = a.as<StructObj>();
      auto* y = b.as<StructObj>();
      if (x == y) return true;
      if (x->type_name != y->type_name || x->fields.size() != y->fields.size()) return false;
      for (size_t i = 0; i < x->fields.size(); ++i)
        if (x->fields[i].first != y->fields[i].first ||
            !equal(x->fields[i].second, y->fields[i].second, depth + 1))
          return false;
      return true;
    }
    case Kind::Json: return a.as<JsonObj>()->json == b.as<JsonObj>()->json;
    default: return a.obj() == b.obj();
  }
}

int compare(Value a, Value b, int depth) {
  check_depth(depth);
  if (a.is(Kind::Int) && b.is(Kind::Float)) return cmp_int_float(a.as_int(), b.as_float());
  if (a.is(Kind::Float) && b.is(Kind::Int)) return -cmp_int_float(b.as_int(), a.as_float());
  if (a.kind() == b.kind()) {
    switch (a.kind()) {
      case Kind::Int: return a.as_int() < b.as_int() ? -1 : a.as_int() > b.as_int() ? 1 : 0;
      case Kind::Float: return cmp_float(a.as_float(), b.as_float());
      case Kind::Bool: return static_cast<int>(a.as_bool()) - static_cast<int>(b.as_bool());
      case Kind::String: {
        int c = str_of(a).compare(str_of(b));
        return c < 0 ? -1 : c > 0 ? 1 : 0;
      }
      case Kind::List:
      case Kind::Tuple: {
        const auto& x = a.is(Kind::List) ? a.as<ListObj>()->items : a.as<TupleObj>()->items;
        const auto& y = b.is(Kind::List) ? b.as<ListObj>()->items : b.as<TupleObj>()->items;
        for (size_t i = 0; i < x.size() && i < y.size(); ++i) {
          if (equal(x[i], y[i], depth + 1)) continue;
          return compare(x[i], y[i], depth + 1);
        }
        return x.size() < y.size() ? -1 : x.size() > y.size() ? 1 : 0;
      }
      default: break;
    }
  }
  throw EvalError(std::string(type_name(a)) + " < " + type_name(b) + " not implemented");
}

uint64_t hash_value(Value v) {
  switch (v.kind()) {
    case Kind::None: return 0x9e3779b97f4a7c15ULL;
    case Kind::Bool: return v.as_bool() ? 0x1234567 : 0x7654321;
    case Kind::Int: return mix(static_cast<uint64_t>(v.as_int()));
    case Kind::Float: {
      double f = v.as_float();
      // Equal ints and floats must hash alike.
      if (std::isfinite(f) && f == std::floor(f) && f >= -9.2e18 && f <= 9.2e18)
        return mix(static_cast<uint64_t>(static_cast<int64_t>(f)));
      if (std::isnan(f)) return 0x7ff8;
      uint64_t bits;
      std::memcpy(&bits, &f, sizeof bits);
      return mix(bits);
    }
    case Kind::String: {
      uint64_t h = 1469598103934665603ULL;  // FNV-1a
      for (unsigned char c : str_of(v)) h = (h ^ c) * 1099511628211ULL;
      return h;
    }
    case Kind::Tuple: {
      uint64_t h = 0x345678;
      for (Value e : v.as<TupleObj>()->items) h = mix(h * 1000003 ^ hash_value(e));
      return h;
    }
    case Kind::List:
    case Kind::Dict:
      throw EvalError(std::string("unhashable type: ") + type_name(v));
    case Kind::Struct: {
      uint64_t h = 0x5a5a;
      for (auto& f : v.as<StructObj>()->fields) h = mix(h * 31 ^ hash_value(f.second));
      return h;
    }
    default: return mix(reinterpret_cast<uintptr_t>(v.obj()));
  }
}

void freeze(Value root, int) {
  // Iterative, so a deeply nested structure cannot overflow the C++ stack.
  std::vector<Value> work{root};
  std::unordered_set<const Object*> seen;
  while (!work.empty()) {
    Value v = work.back();
    work.pop_back();
    switch (v.kind()) {
      case Kind::List: {
        auto* l = v.as<ListObj>();
        if (l->frozen) break;
        l->frozen = true;
        work.insert(work.end(), l->items.begin(), l->items.end());
        break;
      }
      case Kind::Dict: {
        auto* d = v.as<DictObj>();
        if (d->frozen) break;
        d->frozen = true;
        for (auto& e : d->entries) {
          work.push_back(e.first);
          work.push_back(e.second);
        }
        break;
      }
      case Kind::Tuple: {
        auto* t = v.as<TupleObj>();
        work.insert(work.end(), t->items.begin(), t->items.end());
        break;
      }
      case Kind::Function: {
        auto* f = v.as<FunctionObj>();
        if (!seen.insert(f).second) break;  // closures may refer to themselves
        for (Value d : f->defaults) work.push_back(d);
        for (Value c : f->freevars) work.push_back(c.as<Cell>()->v);
        break;
      }
      case Kind::Struct:
        for (auto& fl : v.as<StructObj>()->fields) work.push_back(fl.second);
        break;
      default: break;
    }
    if (work.size() > 100'000'000) throw EvalError("value too large to freeze");
  }
}

bool is_frozen(Value v) {
  if (v.is(Kind::List)) return v.as<ListObj>()->frozen;
  if (v.is(Kind::Dict)) return v.as<DictObj>()->frozen;
  return true;
}

std::string format_float(double f) {
  if (std::isnan(f)) return "nan";
  if (std::isinf(f)) return f > 0 ? "+inf" : "-inf";
  // Shortest round-trip digits, laid out like Go's strconv 'g' with precision -1.
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, f, std::chars_format::scientific);
  std::string s(buf, r.ptr);
  bool neg = !s.empty() && s[0] == '-';
  if (neg) s.erase(0, 1);
  size_t e = s.find('e');
  std::string mant = s.substr(0, e);
  int exp = std::stoi(s.substr(e + 1));
  std::string digits;
  for (char c : mant)
    if (c != '.') digits += c;
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  int nd = static_cast<int>(digits.size());
  int dp = exp + 1;
  std::string out = neg ? "-" : "";
  if (exp < -4 || exp >= 6) {  // Go: shortest %g switches to exponent at 1e6
    out += digits[0];
    if (nd > 1) out += "." + digits.substr(1);
    out += 'e';
    out += exp < 0 ? '-' : '+';
    int ax = std::abs(exp);
    if (ax < 10) out += '0';
    out += std::to_string(ax);
    return out;
  }
  if (dp <= 0) {
    out += "0." + std::string(-dp, '0') + digits;
  } else if (dp >= nd) {
    out += digits + std::string(dp - nd, '0') + ".0";
  } else {
    out += digits.substr(0, dp) + "." + digits.substr(dp);
  }
  return out;
}

namespace {

void quote(std::string& out, const std::string& s) {
  out += '"';
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\a': out += "\\a"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        case '\v': out += "\\v"; break;
        default:
          if (c < 0x20 || c == 0x7f) {
            char b[8];
            std::snprintf(b, sizeof b, "\\x%02x", c);
            out += b;
          } else {
            out += static_cast<char>(c);
          }
      }
      ++i;
      continue;
    }
    // Copy a valid UTF-8 sequence; escape stray bytes.
    int n = c >= 0xF0 && c < 0xF5 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 && c < 0xE0 ? 2 : 0;
    bool ok = n > 0 && i + n <= s.size();
    for (int k = 1; ok && k < n; ++k)
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) ok = false;
    if (ok) {
      out.append(s, i, n);
      i += n;
    } else {
      char b[8];
      std::snprintf(b, sizeof b, "\\x%02x", c);
      out += b;
      ++i;
    }
  }
  out += '"';
}

void write(std::string& out, Value v, bool as_repr, std::vector<const Object*>& path) {
  if (path.size() > kMaxNesting) throw EvalError("maximum recursion depth exceeded");
  if (out.size() > (64u << 20)) throw EvalError("string too long");
  switch (v.kind()) {
    case Kind::Unbound: out += "<unbound>"; return;
    case Kind::None: out += "None"; return;
    case Kind::Bool: out += v.as_bool() ? "True" : "False"; return;
    case Kind::Int: out += std::to_string(v.as_int()); return;
    case Kind::Float: out += format_float(v.as_float()); return;
    case Kind::String:
      if (as_repr) quote(out, str_of(v));
      else out += str_of(v);
      return;
    case Kind::List:
    case Kind::Tuple:
    case Kind::Dict: {
      if (std::find(path.begin(), path.end(), v.obj()) != path.end()) {
        out += v.is(Kind::List) ? "[...]" : v.is(Kind::Dict) ? "{...}" : "(...)";
        return;
      }
      path.push_back(v.obj());
      if (v.is(Kind::Dict)) {
        out += '{';
        bool first = true;
        for (auto& e : v.as<DictObj>()->entries) {
          if (!first) out += ", ";
          first = false;
          write(out, e.first, true, path);
          out += ": ";
          write(out, e.second, true, path);
        }
        out += '}';
      } else {
        const auto& items = v.is(Kind::List) ? v.as<ListObj>()->items : v.as<TupleObj>()->items;
        out += v.is(Kind::List) ? '[' : '(';
        for (size_t i = 0; i < items.size(); ++i) {
          if (i) out += ", ";
          write(out, items[i], true, path);
        }
        if (v.is(Kind::Tuple) && items.size() == 1) out += ',';
        out += v.is(Kind::List) ? ']' : ')';
      }
      path.pop_back();
      return;
    }
    case Kind::StrIter: {
      auto* it = v.as<StrIterObj>();
      out += repr_string(str_of(it->str)) + "." + it->method() + "()";
      return;
    }
    case Kind::Range: {
      auto* r = v.as<RangeObj>();
      out += "range(" + std::to_string(r->start) + ", " + std::to_string(r->stop);
      if (r->step != 1) out += ", " + std::to_string(r->step);
      out += ')';
      return;
    }
    case Kind::Function: out += "<function " + v.as<FunctionObj>()->def->name + ">"; return;
    case Kind::Builtin: {
      auto* b = v.as<BuiltinObj>();
      if (b->recv.is_none()) out += "<built-in function " + b->name + ">";
      else out += std::string("<built-in method ") + b->name + " of " + type_name(b->recv) + " value>";
      return;
    }
    case Kind::Struct: {
      auto* s = v.as<StructObj>();
      if (s->type_name == "module") {
        const Value* n = s->get("__name__");
        out += "<module " + (n ? repr(*n) : std::string("?")) + ">";
        return;
      }
      path.push_back(v.obj());
      out += s->type_name + "(";
      bool first = true;
      for (auto& f : s->fields) {
        if (!first) out += ", ";
        first = false;
        out += f.first + " = ";
        write(out, f.second, true, path);
      }
      out += ')';
      path.pop_back();
      return;
    }
    case Kind::Json: out += "<" + v.as<JsonObj>()->type_name + ">"; return;
    case Kind::Cell: out += "<cell>"; return;
  }
}

}  // namespace

std::string repr(Value v) {
  std::string out;
  std::vector<const Object*> path;
  write(out, v, true, path);
  return out;
}

std::string str(Value v) {
  if (v.is(Kind::String)) return str_of(v);
  std::string out;
  std::vector<const Object*> path;
  write(out, v, false, path);
  return out;
}

bool is_iterable(Value v) {
  switch (v.kind()) {
    case Kind::List:
    case Kind::Tuple:
    case Kind::Dict:
    case Kind::Range:
    case Kind::StrIter:
      return true;
    default: return false;
  }
}

namespace {
// Marks a mutable value as being iterated for the duration of a loop.
struct IterGuard {
  explicit IterGuard(Mutable* m) : m(m->frozen ? nullptr : m) {
    if (this->m) this->m->iterating++;
  }
  ~IterGuard() {
    if (m) m->iterating--;
  }
  Mutable* m;
};
}  // namespace

void iterate(Thread& th, Value v, const std::function<bool(Value)>& f) {
  switch (v.kind()) {
    case Kind::List: {
      auto* l = v.as<ListObj>();
      IterGuard g(l);
      for (size_t i = 0; i < l->items.size(); ++i)
        if (!f(l->items[i])) return;
      return;
    }
    case Kind::Tuple: {
      auto* t = v.as<TupleObj>();
      for (size_t i = 0; i < t->items.size(); ++i)
        if (!f(t->items[i])) return;
      return;
    }
    case Kind::Dict: {
      auto* d = v.as<DictObj>();
      IterGuard g(d);
      for (size_t i = 0; i < d->entries.size(); ++i)
        if (!f(d->entries[i].first)) return;
      return;
    }
    case Kind::Range: {
      auto* r = v.as<RangeObj>();
      int64_t n = r->len();
      for (int64_t i = 0; i < n; ++i) {
        th.step();
        if (!f(Value::integer(r->at(i)))) return;
      }
      return;
    }
    case Kind::StrIter: {
      auto* it = v.as<StrIterObj>();
      const std::string& s = str_of(it->str);
      if (it->mode == StrIterObj::Elems || it->mode == StrIterObj::ElemOrds) {
        for (unsigned char c : s) {
          th.step();
          Value e = it->mode == StrIterObj::ElemOrds ? Value::integer(c)
                                                     : th.make_string(std::string(1, char(c)));
          if (!f(e)) return;
        }
        return;
      }
      size_t pos = 0;
      for (uint32_t cp : utf8_decode(s)) {
        th.step();
        // An invalid byte decodes as U+FFFD: codepoints() yields that byte itself (as the
        // reference does), a real U+FFFD is three bytes.
        size_t n = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
        if (cp == 0xFFFD && s.compare(pos, 3, "\xEF\xBF\xBD") != 0) n = 1;
        Value e = it->mode == StrIterObj::CodepointOrds ? Value::integer(cp)
                                                        : th.make_string(s.substr(pos, n));
        pos += n;
        if (!f(e)) return;
      }
      return;
    }
    default:
      throw EvalError(std::string(type_name(v)) + " value is not iterable");
  }
}

int64_t length(Value v) {
  switch (v.kind()) {
    case Kind::String: return static_cast<int64_t>(str_of(v).size());
    case Kind::List: return static_cast<int64_t>(v.as<ListObj>()->items.size());
    case Kind::Tuple: return static_cast<int64_t>(v.as<TupleObj>()->items.size());
    case Kind::Dict: return static_cast<int64_t>(v.as<DictObj>()->entries.size());
    case Kind::Range: return v.as<RangeObj>()->len();
    default: return -1;
  }
}

}  // namespace mm::starlark
