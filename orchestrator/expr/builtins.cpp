#include "orchestrator/expr/builtins.h"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <string>

#include "orchestrator/expr/json_text.h"

namespace mm::expr {

namespace {

constexpr std::array<BuiltinInfo, 33> kBuiltins = {{
    {Builtin::kAll, "all", 2, 2, true},
    {Builtin::kAny, "any", 2, 2, true},
    {Builtin::kNone, "none", 2, 2, true},
    {Builtin::kOne, "one", 2, 2, true},
    {Builtin::kFilter, "filter", 2, 2, true},
    {Builtin::kMap, "map", 2, 2, true},
    {Builtin::kCount, "count", 1, 2, true},
    {Builtin::kLen, "len", 1, 1, false},
    {Builtin::kAbs, "abs", 1, 1, false},
    {Builtin::kLower, "lower", 1, 1, false},
    {Builtin::kUpper, "upper", 1, 1, false},
    {Builtin::kTrim, "trim", 1, 2, false},
    {Builtin::kTrimPrefix, "trimPrefix", 1, 2, false},
    {Builtin::kTrimSuffix, "trimSuffix", 1, 2, false},
    {Builtin::kSplit, "split", 2, 3, false},
    {Builtin::kHasPrefix, "hasPrefix", 2, 2, false},
    {Builtin::kHasSuffix, "hasSuffix", 2, 2, false},
    {Builtin::kIndexOf, "indexOf", 2, 2, false},
    {Builtin::kLastIndexOf, "lastIndexOf", 2, 2, false},
    {Builtin::kReplace, "replace", 3, 4, false},
    {Builtin::kRepeat, "repeat", 2, 2, false},
    {Builtin::kJoin, "join", 1, 2, false},
    {Builtin::kInt, "int", 1, 1, false},
    {Builtin::kFloat, "float", 1, 1, false},
    {Builtin::kString, "string", 1, 1, false},
    {Builtin::kMax, "max", 1, -1, false},
    {Builtin::kMin, "min", 1, -1, false},
    {Builtin::kFirst, "first", 1, 1, false},
    {Builtin::kLast, "last", 1, 1, false},
    {Builtin::kKeys, "keys", 1, 1, false},
    {Builtin::kValues, "values", 1, 1, false},
    {Builtin::kType, "type", 1, 1, false},
    {Builtin::kToJSON, "toJSON", 1, 1, false},
}};

bool is_continuation(char c) {
  return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

std::int64_t rune_count(std::string_view s) {
  std::int64_t n = 0;
  for (char c : s)
    if (!is_continuation(c)) ++n;
  return n;
}

// Splits `s` into its UTF-8 characters, as Go does for an empty separator.
std::vector<std::string_view> runes(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < s.size()) {
    std::size_t j = i + 1;
    while (j < s.size() && is_continuation(s[j])) ++j;
    out.push_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

class Call {
 public:
  Call(Context& ctx, const Node& node, const std::vector<Value>& args)
      : ctx_(ctx), node_(node), args_(args) {}

  std::string_view name() const { return node_.name; }

  [[noreturn]] void invalid(std::size_t i) const {
    ctx_.fail(node_, "invalid argument for " + node_.name + ": " + ctx_.text(*node_.children[i]) +
                         " (type " + std::string(type_name(args_[i].type())) + ")");
  }
  [[noreturn]] void fail(const std::string& msg) const { ctx_.fail(node_, msg); }

  std::string_view str(std::size_t i) const {
    if (args_[i].type() != Type::kString) invalid(i);
    return args_[i].as_string();
  }
  std::int64_t integer(std::size_t i) const {
    if (args_[i].type() != Type::kInt) invalid(i);
    return args_[i].as_int();
  }
  const Value& array(std::size_t i) const {
    if (args_[i].type() != Type::kArray) invalid(i);
    return args_[i];
  }
  const Value& map(std::size_t i) const {
    if (args_[i].type() != Type::kMap) invalid(i);
    return args_[i];
  }
  const Value& arg(std::size_t i) const { return args_[i]; }
  std::size_t count() const { return args_.size(); }

  // Strings built by a call cost their length, so a loop of repeat() cannot exhaust memory.
  Value string(std::string s) const {
    ctx_.charge(node_, s.size() / 16);
    return Value::string(std::move(s));
  }

 private:
  Context& ctx_;
  const Node& node_;
  const std::vector<Value>& args_;
};

std::string ascii_case(std::string_view s, bool upper) {
  std::string out(s);
  for (char& c : out) {
    if (upper && c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (!upper && c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

// Go's strings.Trim with a cutset; a byte-wise cutset is exact for ASCII and conservative for
// multi-byte characters (they are only trimmed when all their bytes are in the cutset).
std::string_view trim_set(std::string_view s, std::string_view set) {
  auto in_set = [&](std::string_view rune) { return set.find(rune) != std::string_view::npos; };
  auto rs = runes(s);
  std::size_t b = 0;
  std::size_t e = rs.size();
  while (b < e && in_set(rs[b])) ++b;
  while (e > b && in_set(rs[e - 1])) --e;
  if (b == e) return {};
  std::size_t start = static_cast<std::size_t>(rs[b].data() - s.data());
  std::size_t stop = static_cast<std::size_t>(rs[e - 1].data() - s.data()) + rs[e - 1].size();
  return s.substr(start, stop - start);
}

std::string_view trim_space(std::string_view s) {
  std::size_t b = 0;
  std::size_t e = s.size();
  while (b < e && is_space(s[b])) ++b;
  while (e > b && is_space(s[e - 1])) --e;
  return s.substr(b, e - b);
}

Value split(const Call& c) {
  std::string_view s = c.str(0);
  std::string_view sep = c.str(1);
  std::int64_t n = c.count() > 2 ? c.integer(2) : -1;
  Array out;
  if (n == 0) return Value::array({});
  if (sep.empty()) {
    auto rs = runes(s);
    for (std::size_t i = 0; i < rs.size(); ++i) {
      if (n > 0 && static_cast<std::int64_t>(out.size()) == n - 1) {
        out.push_back(Value::string(
            std::string(s.substr(static_cast<std::size_t>(rs[i].data() - s.data())))));
        return Value::array(std::move(out));
      }
      out.push_back(Value::string(std::string(rs[i])));
    }
    return Value::array(std::move(out));
  }
  std::size_t start = 0;
  for (;;) {
    if (n > 0 && static_cast<std::int64_t>(out.size()) == n - 1) break;
    auto at = s.find(sep, start);
    if (at == std::string_view::npos) break;
    out.push_back(Value::string(std::string(s.substr(start, at - start))));
    start = at + sep.size();
  }
  out.push_back(Value::string(std::string(s.substr(start))));
  return Value::array(std::move(out));
}

Value replace(const Call& c) {
  std::string_view s = c.str(0);
  std::string_view from = c.str(1);
  std::string_view to = c.str(2);
  // strings.Replace: at most n replacements, all of them when n < 0.
  std::int64_t n = c.count() > 3 ? c.integer(3) : -1;
  std::string out;
  if (from.empty()) {
    // Go inserts the replacement before every character and at the end.
    auto rs = runes(s);
    std::int64_t done = 0;
    for (std::size_t i = 0; i <= rs.size(); ++i) {
      if (n < 0 || done < n) {
        out += to;
        ++done;
      }
      if (i < rs.size()) out += rs[i];
    }
    return c.string(std::move(out));
  }
  std::size_t start = 0;
  for (std::int64_t done = 0; n < 0 || done < n; ++done) {
    auto at = s.find(from, start);
    if (at == std::string_view::npos) break;
    out += s.substr(start, at - start);
    out += to;
    start = at + from.size();
  }
  out += s.substr(start);
  return c.string(std::move(out));
}

Value repeat(const Call& c) {
  std::string_view s = c.str(0);
  std::int64_t n = c.integer(1);
  if (n < 0)
    c.fail("invalid argument for repeat (expected positive integer, got " + std::to_string(n) +
           ")");
  // Checked before building so that a huge count fails instead of allocating.
  // expr-lang refuses more than 1e6 repetitions ("memory budget exceeded"); the byte cap keeps a
  // long string from doing the same damage in fewer repetitions.
  constexpr std::uint64_t kMaxBytes = 16u << 20;
  if (n > 1'000'000 || (!s.empty() && static_cast<std::uint64_t>(n) > kMaxBytes / s.size()))
    c.fail("repeat: memory budget exceeded");
  std::string out;
  out.reserve(s.size() * static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) out += s;
  return c.string(std::move(out));
}

Value join(const Call& c) {
  const Value& a = c.array(0);
  std::string_view sep = c.count() > 1 ? c.str(1) : std::string_view();
  std::string out;
  for (std::size_t i = 0; i < a.size(); ++i) {
    Value e = a.at(i);
    if (e.type() != Type::kString)
      c.fail("join: element " + std::to_string(i) + " is " + std::string(type_name(e.type())) +
             ", not string");
    if (i) out += sep;
    out += e.as_string();
  }
  return c.string(std::move(out));
}

Value to_int(const Call& c) {
  const Value& v = c.arg(0);
  switch (v.type()) {
    case Type::kInt:
      return v;
    case Type::kFloat: {
      double f = v.as_float();
      // Go leaves out-of-range conversions unspecified (amd64 gives MinInt64); be explicit.
      if (std::isnan(f) || f >= 9223372036854775808.0 || f < -9223372036854775808.0)
        c.fail("int: " + format_float(f) + " is out of the int range");
      return Value::integer(static_cast<std::int64_t>(f));
    }
    case Type::kString: {
      std::string_view s = v.as_string();
      std::string_view digits = s;
      if (!digits.empty() && digits[0] == '+') digits.remove_prefix(1);
      std::int64_t out = 0;
      auto res = std::from_chars(digits.data(), digits.data() + digits.size(), out);
      if (digits.empty() || res.ec != std::errc() || res.ptr != digits.data() + digits.size() ||
          (s[0] == '+' && !digits.empty() && digits[0] == '-'))
        c.fail("strconv.Atoi: parsing \"" + std::string(s) + "\": invalid syntax");
      return Value::integer(out);
    }
    default:
      c.invalid(0);
  }
}

Value to_float(const Call& c) {
  const Value& v = c.arg(0);
  switch (v.type()) {
    case Type::kInt:
    case Type::kFloat:
      return Value::number(v.to_double());
    case Type::kString: {
      std::string s(v.as_string());
      char* end = nullptr;
      double out = s.empty() || is_space(s[0]) ? 0 : std::strtod(s.c_str(), &end);
      if (s.empty() || end != s.c_str() + s.size() || s.find_first_of("xXpP") != std::string::npos)
        c.fail("strconv.ParseFloat: parsing \"" + s + "\": invalid syntax");
      return Value::number(out);
    }
    default:
      c.invalid(0);
  }
}

// max() and min() take numbers or arrays of numbers and return the winning value unchanged.
Value extreme(const Call& c, bool want_max) {
  Value best;
  bool have = false;
  auto consider = [&](const Value& v, std::size_t arg) {
    if (!v.is_number()) c.invalid(arg);
    bool better = !have;
    if (have && v.type() == Type::kInt && best.type() == Type::kInt) {
      better = want_max ? v.as_int() > best.as_int() : v.as_int() < best.as_int();
    } else if (have) {
      better = want_max ? v.to_double() > best.to_double() : v.to_double() < best.to_double();
    }
    if (better) {
      best = v;
      have = true;
    }
  };
  for (std::size_t i = 0; i < c.count(); ++i) {
    const Value& v = c.arg(i);
    if (v.type() == Type::kArray) {
      for (std::size_t j = 0; j < v.size(); ++j) consider(v.at(j), i);
    } else {
      consider(v, i);
    }
  }
  if (!have) c.fail("not enough arguments to call " + std::string(c.name()));
  return best;
}

Value length(const Call& c) {
  const Value& v = c.arg(0);
  switch (v.type()) {
    case Type::kString:
      return Value::integer(rune_count(v.as_string()));
    case Type::kArray:
    case Type::kMap:
      return Value::integer(static_cast<std::int64_t>(v.size()));
    default:
      c.invalid(0);
  }
}

Value absolute(const Call& c) {
  const Value& v = c.arg(0);
  if (v.type() == Type::kInt) {
    // Two's complement wrap for MinInt64, as Go does, without signed overflow.
    auto u = static_cast<std::uint64_t>(v.as_int());
    return Value::integer(v.as_int() < 0 ? static_cast<std::int64_t>(0 - u) : v.as_int());
  }
  if (v.type() == Type::kFloat) return Value::number(std::fabs(v.as_float()));
  c.invalid(0);
}

}  // namespace

std::optional<BuiltinInfo> find_builtin(std::string_view name) {
  for (const auto& b : kBuiltins)
    if (b.name == name) return b;
  return std::nullopt;
}

Value call_builtin(Context& ctx, const Node& node, const std::vector<Value>& args) {
  Call c(ctx, node, args);
  switch (node.builtin) {
    case Builtin::kLen:
      return length(c);
    case Builtin::kAbs:
      return absolute(c);
    case Builtin::kLower:
      return c.string(ascii_case(c.str(0), false));
    case Builtin::kUpper:
      return c.string(ascii_case(c.str(0), true));
    case Builtin::kTrim:
      return c.string(
          std::string(c.count() > 1 ? trim_set(c.str(0), c.str(1)) : trim_space(c.str(0))));
    case Builtin::kTrimPrefix: {
      std::string_view s = c.str(0);
      std::string_view p = c.count() > 1 ? c.str(1) : " ";
      if (s.substr(0, p.size()) == p) s.remove_prefix(p.size());
      return c.string(std::string(s));
    }
    case Builtin::kTrimSuffix: {
      std::string_view s = c.str(0);
      std::string_view p = c.count() > 1 ? c.str(1) : " ";
      if (s.size() >= p.size() && s.substr(s.size() - p.size()) == p) s.remove_suffix(p.size());
      return c.string(std::string(s));
    }
    case Builtin::kSplit:
      return split(c);
    case Builtin::kHasPrefix: {
      std::string_view s = c.str(0);
      std::string_view p = c.str(1);
      return Value::boolean(s.substr(0, p.size()) == p);
    }
    case Builtin::kHasSuffix: {
      std::string_view s = c.str(0);
      std::string_view p = c.str(1);
      return Value::boolean(s.size() >= p.size() && s.substr(s.size() - p.size()) == p);
    }
    case Builtin::kIndexOf: {
      auto at = c.str(0).find(c.str(1));
      return Value::integer(at == std::string_view::npos ? -1 : static_cast<std::int64_t>(at));
    }
    case Builtin::kLastIndexOf: {
      auto at = c.str(0).rfind(c.str(1));
      return Value::integer(at == std::string_view::npos ? -1 : static_cast<std::int64_t>(at));
    }
    case Builtin::kReplace:
      return replace(c);
    case Builtin::kRepeat:
      return repeat(c);
    case Builtin::kJoin:
      return join(c);
    case Builtin::kInt:
      return to_int(c);
    case Builtin::kFloat:
      return to_float(c);
    case Builtin::kString:
      return c.string(format_value(c.arg(0)));
    case Builtin::kMax:
      return extreme(c, true);
    case Builtin::kMin:
      return extreme(c, false);
    case Builtin::kFirst: {
      const Value& a = c.array(0);
      return a.size() ? a.at(0) : Value();
    }
    case Builtin::kLast: {
      const Value& a = c.array(0);
      return a.size() ? a.at(a.size() - 1) : Value();
    }
    case Builtin::kKeys: {
      Array out;
      c.map(0).for_each_entry(
          [&](std::string_view k, const Value&) { out.push_back(Value::string(std::string(k))); });
      return Value::array(std::move(out));
    }
    case Builtin::kValues: {
      Array out;
      c.map(0).for_each_entry([&](std::string_view, const Value& v) { out.push_back(v); });
      return Value::array(std::move(out));
    }
    case Builtin::kType:
      return Value::string(std::string(type_name(c.arg(0).type())));
    case Builtin::kToJSON:
      return c.string(json_text(c.arg(0)));
    default:
      c.fail("internal error: " + node.name + " is a predicate builtin");
  }
}

}  // namespace mm::expr
