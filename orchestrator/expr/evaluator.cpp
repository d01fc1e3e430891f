#include "orchestrator/expr/evaluator.h"

#include <re2/re2.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "orchestrator/expr/builtins.h"
#include "orchestrator/expr/context.h"
#include "orchestrator/expr/error.h"

namespace mm::expr {

namespace {

// Largest array a range may build; 1..100000 is already far beyond any include expression.
constexpr std::int64_t kMaxRange = 100'000;

std::string tname(const Value& v) {
  return std::string(type_name(v.type()));
}

bool is_continuation(char c) {
  return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

// Byte offsets of the UTF-8 characters of `s`, plus s.size() at the end.
std::vector<std::size_t> rune_starts(std::string_view s) {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < s.size(); ++i)
    if (!is_continuation(s[i]) || i == 0) out.push_back(i);
  out.push_back(s.size());
  return out;
}

// Go's int arithmetic wraps; going through uint64 gives the same result without signed overflow.
std::int64_t wrap_add(std::int64_t a, std::int64_t b) {
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(a) + static_cast<std::uint64_t>(b));
}
std::int64_t wrap_sub(std::int64_t a, std::int64_t b) {
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(a) - static_cast<std::uint64_t>(b));
}
std::int64_t wrap_mul(std::int64_t a, std::int64_t b) {
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(a) * static_cast<std::uint64_t>(b));
}

class Evaluator {
 public:
  explicit Evaluator(Context& ctx) : ctx_(ctx) {}

  Value eval(const Node& n) {
    ctx_.charge(n, 1);
    switch (n.kind) {
      case NodeKind::kLiteral:
        return n.literal;
      case NodeKind::kArray: {
        Array out;
        out.reserve(n.children.size());
        for (const auto& c : n.children) out.push_back(eval(*c));
        return Value::array(std::move(out));
      }
      case NodeKind::kMap:
        return map_literal(n);
      case NodeKind::kIdentifier: {
        auto it = ctx_.env.find(n.name);
        // expr-lang yields nil for a key missing from a map environment.
        return it == ctx_.env.end() ? Value() : Value::from_json(*it);
      }
      case NodeKind::kPointer: {
        const Scope& s = ctx_.scopes.back();
        return n.name.empty() ? s.element : Value::integer(s.index);
      }
      case NodeKind::kMember:
        return member(n);
      case NodeKind::kSlice:
        return slice(n);
      case NodeKind::kUnary:
        return unary(n);
      case NodeKind::kBinary:
        return binary(n);
      case NodeKind::kConditional:
        return conditional(n);
      case NodeKind::kCall:
        return call(n);
      case NodeKind::kChain: {
        Value v = eval(*n.children[0]);
        chain_nil_ = false;
        return v;
      }
      case NodeKind::kPredicate:
        break;
    }
    ctx_.fail(n, "internal error: unexpected node");
  }

 private:
  Value map_literal(const Node& n) {
    Map out;
    for (std::size_t i = 0; i + 1 < n.children.size(); i += 2) {
      Value k = eval(*n.children[i]);
      if (k.type() != Type::kString)
        ctx_.fail(*n.children[i],
                  "map key " + ctx_.text(*n.children[i]) + " must be a string, got " + tname(k));
      out.insert_or_assign(std::string(k.as_string()), eval(*n.children[i + 1]));
    }
    return Value::map(std::move(out));
  }

  // Converts an index to int the way expr-lang's ToInt does (floats truncate).
  std::int64_t to_index(const Node& where, const Value& v) {
    if (v.type() == Type::kInt) return v.as_int();
    if (v.type() == Type::kFloat) {
      double f = v.as_float();
      if (std::isfinite(f) && std::fabs(f) < 9.0e18) return static_cast<std::int64_t>(f);
    }
    ctx_.fail(where, "invalid index " + ctx_.text(where) + " (type " + tname(v) + ")");
  }

  Value member(const Node& n) {
    Value base = eval(*n.children[0]);
    if (chain_nil_) return Value();
    if (base.is_nil() && n.optional) {
      chain_nil_ = true;
      return Value();
    }
    const bool named = n.children.size() == 1;
    Value key = named ? Value::string(n.name) : eval(*n.children[1]);
    std::string key_text = named ? n.name : ctx_.text(*n.children[1]);
    switch (base.type()) {
      case Type::kMap: {
        if (key.type() != Type::kString)
          ctx_.fail(n, "cannot use " + key_text + " (type " + tname(key) + ") as key of map " +
                           ctx_.text(*n.children[0]));
        Value out;
        return base.get(key.as_string(), &out) ? out : Value();
      }
      case Type::kArray:
      case Type::kString: {
        if (named) break;
        std::int64_t i = to_index(*n.children[1], key);
        bool is_string = base.type() == Type::kString;
        std::vector<std::size_t> starts;
        std::int64_t len;
        if (is_string) {
          starts = rune_starts(base.as_string());
          len = static_cast<std::int64_t>(starts.size()) - 1;
        } else {
          len = static_cast<std::int64_t>(base.size());
        }
        std::int64_t at = i < 0 ? i + len : i;  // negative indexes count from the end
        if (at < 0 || at >= len)
          ctx_.fail(n, "index out of range: " + std::to_string(i) + " (" +
                           (is_string ? "string" : "array") + " length is " + std::to_string(len) +
                           ") in " + ctx_.text(n));
        if (!is_string) return base.at(static_cast<std::size_t>(at));
        auto b = starts[static_cast<std::size_t>(at)];
        auto e = starts[static_cast<std::size_t>(at) + 1];
        return Value::string(std::string(base.as_string().substr(b, e - b)));
      }
      default:
        break;
    }
    ctx_.fail(n, "cannot fetch " + key_text + " from " + ctx_.text(*n.children[0]) + " (type " +
                     tname(base) + ")");
  }

  Value slice(const Node& n) {
    Value base = eval(*n.children[0]);
    if (chain_nil_) return Value();
    if (base.is_nil() && n.optional) {
      chain_nil_ = true;
      return Value();
    }
    bool is_string = base.type() == Type::kString;
    if (!is_string && base.type() != Type::kArray)
      ctx_.fail(n, "cannot slice " + ctx_.text(*n.children[0]) + " (type " + tname(base) + ")");
    std::vector<std::size_t> starts;
    std::int64_t len;
    if (is_string) {
      starts = rune_starts(base.as_string());
      len = static_cast<std::int64_t>(starts.size()) - 1;
    } else {
      len = static_cast<std::int64_t>(base.size());
    }
    auto bound = [&](const NodePtr& c, std::int64_t dflt) {
      if (!c) return dflt;
      std::int64_t v = to_index(*c, eval(*c));
      // Clamped like expr-lang's runtime.Slice: negative counts from the end.
      if (v < 0) v = v + len < 0 ? 0 : v + len;
      return v > len ? len : v;
    };
    std::int64_t from = bound(n.children[1], 0);
    std::int64_t to = bound(n.children[2], len);
    if (from > to) from = to;
    if (is_string) {
      auto b = starts[static_cast<std::size_t>(from)];
      auto e = starts[static_cast<std::size_t>(to)];
      return Value::string(std::string(base.as_string().substr(b, e - b)));
    }
    Array out;
    ctx_.charge(n, static_cast<std::uint64_t>(to - from));
    for (std::int64_t i = from; i < to; ++i) out.push_back(base.at(static_cast<std::size_t>(i)));
    return Value::array(std::move(out));
  }

  Value unary(const Node& n) {
    Value v = eval(*n.children[0]);
    switch (n.op) {
      case Op::kNot:
        if (v.type() == Type::kBool) return Value::boolean(!v.as_bool());
        break;
      case Op::kNeg:
        if (v.type() == Type::kInt) return Value::integer(wrap_sub(0, v.as_int()));
        if (v.type() == Type::kFloat) return Value::number(-v.as_float());
        break;
      case Op::kPlus:
        if (v.is_number()) return v;
        break;
      default:
        break;
    }
    ctx_.fail(n, "invalid operation: " + n.name + " " + ctx_.text(*n.children[0]) + " (operator " +
                     n.name + " not defined on " + tname(v) + ")");
  }

  bool boolean_operand(const Node& op, const Node& side, const Value& v) {
    if (v.type() != Type::kBool)
      ctx_.fail(op, "invalid operation: operator " + op.name + " not defined on " +
                        ctx_.text(side) + " (type " + tname(v) + ")");
    return v.as_bool();
  }

  [[noreturn]] void mismatched(const Node& n, const Value& l, const Value& r) {
    std::string why = l.type() == r.type() ? "operator " + n.name + " not defined on " + tname(l)
                                           : "mismatched types " + tname(l) + " and " + tname(r);
    ctx_.fail(n, "invalid operation: " + ctx_.text(n) + " (" + why + ")");
  }

  Value binary(const Node& n) {
    const Node& ln = *n.children[0];
    const Node& rn = *n.children[1];
    switch (n.op) {
      case Op::kOr:
        if (boolean_operand(n, ln, eval(ln))) return Value::boolean(true);
        return Value::boolean(boolean_operand(n, rn, eval(rn)));
      case Op::kAnd:
        if (!boolean_operand(n, ln, eval(ln))) return Value::boolean(false);
        return Value::boolean(boolean_operand(n, rn, eval(rn)));
      case Op::kCoalesce: {
        Value l = eval(ln);
        return l.is_nil() ? eval(rn) : l;
      }
      default:
        break;
    }
    Value l = eval(ln);
    Value r = eval(rn);
    switch (n.op) {
      case Op::kEq:
        return Value::boolean(equal(l, r));
      case Op::kNe:
        return Value::boolean(!equal(l, r));
      case Op::kLt:
      case Op::kGt:
      case Op::kLe:
      case Op::kGe:
        return Value::boolean(compare(n, l, r));
      case Op::kIn:
        return Value::boolean(in(n, l, r) != n.negate);
      case Op::kMatches:
        return Value::boolean(matches(n, l, r) != n.negate);
      case Op::kContains:
      case Op::kStartsWith:
      case Op::kEndsWith:
        return Value::boolean(string_test(n, l, r) != n.negate);
      case Op::kRange:
        return range(n, l, r);
      default:
        return arithmetic(n, l, r);
    }
  }

  bool compare(const Node& n, const Value& l, const Value& r) {
    int c = 0;
    if (l.type() == Type::kInt && r.type() == Type::kInt) {
      c = l.as_int() < r.as_int() ? -1 : (l.as_int() > r.as_int() ? 1 : 0);
    } else if (l.is_number() && r.is_number()) {
      double a = l.to_double();
      double b = r.to_double();
      if (std::isnan(a) || std::isnan(b)) return false;  // every comparison with NaN is false
      c = a < b ? -1 : (a > b ? 1 : 0);
    } else if (l.type() == Type::kString && r.type() == Type::kString) {
      int k = l.as_string().compare(r.as_string());
      c = k < 0 ? -1 : (k > 0 ? 1 : 0);
    } else {
      mismatched(n, l, r);
    }
    switch (n.op) {
      case Op::kLt:
        return c < 0;
      case Op::kGt:
        return c > 0;
      case Op::kLe:
        return c <= 0;
      default:
        return c >= 0;
    }
  }

  bool in(const Node& n, const Value& l, const Value& r) {
    switch (r.type()) {
      case Type::kNil:
        return false;
      case Type::kArray:
        for (std::size_t i = 0; i < r.size(); ++i) {
          ctx_.charge(n, 1);
          if (equal(l, r.at(i))) return true;
        }
        return false;
      case Type::kMap: {
        if (l.type() != Type::kString)
          ctx_.fail(n, "invalid operation: " + ctx_.text(n) + " (cannot use " + tname(l) +
                           " as key of map)");
        Value ignored;
        return r.get(l.as_string(), &ignored);
      }
      default:
        ctx_.fail(n, "invalid operation: " + ctx_.text(n) + " (operator " + n.name +
                         " not defined on " + tname(r) + ")");
    }
  }

  bool matches(const Node& n, const Value& l, const Value& r) {
    if (l.type() != Type::kString || r.type() != Type::kString) mismatched(n, l, r);
    std::string_view text = l.as_string();
    if (n.regex) return RE2::PartialMatch(re2::StringPiece(text.data(), text.size()), *n.regex);
    RE2::Options opts;
    opts.set_log_errors(false);
    RE2 re(re2::StringPiece(r.as_string().data(), r.as_string().size()), opts);
    if (!re.ok()) ctx_.fail(n, "invalid regular expression: " + re.error());
    ctx_.charge(n, r.as_string().size());
    return RE2::PartialMatch(re2::StringPiece(text.data(), text.size()), re);
  }

  bool string_test(const Node& n, const Value& l, const Value& r) {
    if (l.type() != Type::kString || r.type() != Type::kString) mismatched(n, l, r);
    std::string_view s = l.as_string();
    std::string_view p = r.as_string();
    switch (n.op) {
      case Op::kContains:
        return s.find(p) != std::string_view::npos;
      case Op::kStartsWith:
        return s.substr(0, p.size()) == p;
      default:
        return s.size() >= p.size() && s.substr(s.size() - p.size()) == p;
    }
  }

  Value range(const Node& n, const Value& l, const Value& r) {
    if (l.type() != Type::kInt || r.type() != Type::kInt) mismatched(n, l, r);
    std::int64_t a = l.as_int();
    std::int64_t b = r.as_int();
    if (a > b) return Value::array({});
    // Computed in unsigned so that extreme bounds cannot overflow.
    std::uint64_t count = static_cast<std::uint64_t>(b) - static_cast<std::uint64_t>(a) + 1;
    if (count == 0 || count > static_cast<std::uint64_t>(kMaxRange))
      ctx_.fail(n, "range " + ctx_.text(n) + " is too large (more than " +
                       std::to_string(kMaxRange) + " elements)");
    ctx_.charge(n, count);
    Array out;
    out.reserve(count);
    for (std::uint64_t i = 0; i < count; ++i)
      out.push_back(Value::integer(wrap_add(a, static_cast<std::int64_t>(i))));
    return Value::array(std::move(out));
  }

  Value arithmetic(const Node& n, const Value& l, const Value& r) {
    if (n.op == Op::kAdd && l.type() == Type::kString && r.type() == Type::kString) {
      std::string s(l.as_string());
      s += r.as_string();
      ctx_.charge(n, s.size() / 16);
      return Value::string(std::move(s));
    }
    if (!l.is_number() || !r.is_number()) mismatched(n, l, r);
    bool ints = l.type() == Type::kInt && r.type() == Type::kInt;
    switch (n.op) {
      case Op::kAdd:
        return ints ? Value::integer(wrap_add(l.as_int(), r.as_int()))
                    : Value::number(l.to_double() + r.to_double());
      case Op::kSub:
        return ints ? Value::integer(wrap_sub(l.as_int(), r.as_int()))
                    : Value::number(l.to_double() - r.to_double());
      case Op::kMul:
        return ints ? Value::integer(wrap_mul(l.as_int(), r.as_int()))
                    : Value::number(l.to_double() * r.to_double());
      case Op::kDiv:
        // expr-lang's '/' always divides as floats: 7 / 2 == 3.5, 1 / 0 == +Inf.
        return Value::number(l.to_double() / r.to_double());
      case Op::kMod: {
        if (!ints) mismatched_mod(n, l, r);
        if (r.as_int() == 0) ctx_.fail(n, "integer divide by zero: " + ctx_.text(n));
        if (r.as_int() == -1) return Value::integer(0);  // avoids INT64_MIN % -1 overflow
        return Value::integer(l.as_int() % r.as_int());
      }
      case Op::kPow:
        return Value::number(std::pow(l.to_double(), r.to_double()));
      default:
        ctx_.fail(n, "internal error: unknown operator " + n.name);
    }
  }

  [[noreturn]] void mismatched_mod(const Node& n, const Value& l, const Value& r) {
    ctx_.fail(n, "invalid operation: " + ctx_.text(n) + " (operator % not defined on " +
                     (l.type() == Type::kInt ? tname(r) : tname(l)) + ")");
  }

  Value conditional(const Node& n) {
    Value c = eval(*n.children[0]);
    if (!n.children[1]) {
      // "a ?: b"
      bool falsy = c.is_nil() || (c.type() == Type::kBool && !c.as_bool());
      return falsy ? eval(*n.children[2]) : c;
    }
    if (c.type() != Type::kBool)
      ctx_.fail(n, "non-bool " + ctx_.text(*n.children[0]) + " (type " + tname(c) +
                       ") used as condition");
    return eval(*n.children[c.as_bool() ? 1 : 2]);
  }

  Value call(const Node& n) {
    switch (n.builtin) {
      case Builtin::kAll:
      case Builtin::kAny:
      case Builtin::kNone:
      case Builtin::kOne:
      case Builtin::kFilter:
      case Builtin::kMap:
      case Builtin::kCount:
        return predicate_call(n);
      default:
        break;
    }
    std::vector<Value> args;
    args.reserve(n.children.size());
    for (const auto& c : n.children) args.push_back(eval(*c));
    return call_builtin(ctx_, n, args);
  }

  Value predicate_call(const Node& n) {
    Value items = eval(*n.children[0]);
    if (items.type() != Type::kArray)
      ctx_.fail(n, "invalid argument for " + n.name + ": " + ctx_.text(*n.children[0]) + " (type " +
                       tname(items) + ")");
    const Node* body = n.children.size() > 1 ? n.children[1]->children[0].get() : nullptr;
    Array kept;
    std::int64_t hits = 0;
    for (std::size_t i = 0; i < items.size(); ++i) {
      ctx_.charge(n, 1);
      Value elem = items.at(i);
      Value result;
      if (body) {
        ctx_.scopes.push_back(Scope{elem, static_cast<std::int64_t>(i)});
        result = eval(*body);
        ctx_.scopes.pop_back();
      } else {
        result = elem;  // count(array) counts the true elements
      }
      if (n.builtin == Builtin::kMap) {
        kept.push_back(std::move(result));
        continue;
      }
      if (result.type() != Type::kBool)
        ctx_.fail(body ? *body : n, "predicate of " + n.name + " must return a bool, got " +
                                        tname(result) +
                                        (body ? " (" + ctx_.text(*body) + ")" : std::string()));
      bool b = result.as_bool();
      switch (n.builtin) {
        case Builtin::kAll:
          if (!b) return Value::boolean(false);
          break;
        case Builtin::kAny:
          if (b) return Value::boolean(true);
          break;
        case Builtin::kNone:
          if (b) return Value::boolean(false);
          break;
        case Builtin::kFilter:
          if (b) kept.push_back(std::move(elem));
          break;
        default:  // one, count
          if (b) ++hits;
          break;
      }
    }
    switch (n.builtin) {
      case Builtin::kAll:
      case Builtin::kNone:
        return Value::boolean(true);
      case Builtin::kAny:
        return Value::boolean(false);
      case Builtin::kOne:
        return Value::boolean(hits == 1);
      case Builtin::kCount:
        return Value::integer(hits);
      default:
        return Value::array(std::move(kept));
    }
  }

  Context& ctx_;
  bool chain_nil_ = false;  // a '?.' met nil: the rest of its chain yields nil
};

}  // namespace

Value evaluate(const Node& root, std::string_view source, const nlohmann::json& env) {
  Context ctx{env, source, {}, 0};
  return Evaluator(ctx).eval(root).owned();
}

}  // namespace mm::expr
