#include "orchestrator/expr/parser.h"

#include <re2/re2.h>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "orchestrator/expr/builtins.h"
#include "orchestrator/expr/error.h"
#include "orchestrator/expr/lexer.h"

namespace mm::expr {

namespace {

enum class Assoc { kLeft, kRight };

struct BinaryInfo {
  std::string_view spelling;
  Op op;
  int precedence;
  Assoc assoc;
};

// expr-lang's table (parser/operator/operator.go).
constexpr BinaryInfo kBinary[] = {
    {"or", Op::kOr, 10, Assoc::kLeft},
    {"||", Op::kOr, 10, Assoc::kLeft},
    {"and", Op::kAnd, 15, Assoc::kLeft},
    {"&&", Op::kAnd, 15, Assoc::kLeft},
    {"==", Op::kEq, 20, Assoc::kLeft},
    {"!=", Op::kNe, 20, Assoc::kLeft},
    {"<", Op::kLt, 20, Assoc::kLeft},
    {">", Op::kGt, 20, Assoc::kLeft},
    {">=", Op::kGe, 20, Assoc::kLeft},
    {"<=", Op::kLe, 20, Assoc::kLeft},
    {"in", Op::kIn, 20, Assoc::kLeft},
    {"matches", Op::kMatches, 20, Assoc::kLeft},
    {"contains", Op::kContains, 20, Assoc::kLeft},
    {"startsWith", Op::kStartsWith, 20, Assoc::kLeft},
    {"endsWith", Op::kEndsWith, 20, Assoc::kLeft},
    {"..", Op::kRange, 25, Assoc::kLeft},
    {"+", Op::kAdd, 30, Assoc::kLeft},
    {"-", Op::kSub, 30, Assoc::kLeft},
    {"*", Op::kMul, 60, Assoc::kLeft},
    {"/", Op::kDiv, 60, Assoc::kLeft},
    {"%", Op::kMod, 60, Assoc::kLeft},
    {"**", Op::kPow, 100, Assoc::kRight},
    {"^", Op::kPow, 100, Assoc::kRight},
    {"??", Op::kCoalesce, 500, Assoc::kLeft},
};

constexpr int kComparisonPrecedence = 20;
constexpr int kNotPrecedence = 50;    // "not", "!"
constexpr int kUnaryPrecedence = 90;  // "-", "+"

bool is_word_operator(std::string_view s) {
  return s == "and" || s == "or" || s == "not" || s == "in" || s == "matches" || s == "contains" ||
         s == "startsWith" || s == "endsWith";
}

// Operators that "not" may prefix: "not in", "not matches", ...
bool negatable(std::string_view s) {
  return s == "in" || s == "matches" || s == "contains" || s == "startsWith" || s == "endsWith";
}

std::optional<BinaryInfo> binary_info(const Token& t) {
  if (t.kind != TokenKind::kOperator && t.kind != TokenKind::kIdentifier) return std::nullopt;
  for (const auto& b : kBinary) {
    if (b.spelling != t.text) continue;
    // Word operators are identifiers to the lexer, symbols are operators; never mix them.
    bool word = t.kind == TokenKind::kIdentifier;
    if (word == is_word_operator(t.text)) return b;
  }
  return std::nullopt;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

class Parser {
 public:
  Parser(std::string_view src, const std::span<const std::string_view>* known)
      : src_(src), tokens_(lex(src)), known_(known) {}

  NodePtr parse_all() {
    NodePtr node = expression(0);
    const Token& t = cur();
    if (t.kind != TokenKind::kEnd) {
      if (t.is_bracket(")") || t.is_bracket("]") || t.is_bracket("}"))
        fail(t, "unexpected '" + t.text + "' without a matching opening bracket");
      fail(t, "unexpected " + describe(t) + ": expected an operator or end of input");
    }
    return node;
  }

 private:
  // Counts parser recursion; every recursive production holds one.
  class Nest {
   public:
    explicit Nest(Parser& p) : p_(p) {
      if (++p_.nesting_ > kMaxNesting)
        p_.fail(p_.cur(), "expression nested too deeply (more than " + std::to_string(kMaxNesting) +
                              " levels)");
    }
    ~Nest() { --p_.nesting_; }
    Nest(const Nest&) = delete;
    Nest& operator=(const Nest&) = delete;

   private:
    Parser& p_;
  };

  const Token& cur() const { return tokens_[pos_]; }
  const Token& peek(std::size_t n = 1) const {
    return tokens_[std::min(pos_ + n, tokens_.size() - 1)];
  }
  const Token& prev() const { return tokens_[pos_ > 0 ? pos_ - 1 : 0]; }
  void next() {
    if (pos_ + 1 < tokens_.size()) ++pos_;
  }

  [[noreturn]] void fail(const Token& t, std::string msg) const {
    throw error_at(src_, t.begin, std::move(msg));
  }
  [[noreturn]] void fail_at(std::size_t offset, std::string msg) const {
    throw error_at(src_, offset, std::move(msg));
  }

  // Consumes the bracket or operator `what`; `opener` names the bracket it closes, if any.
  void expect(std::string_view what, const Token* opener = nullptr) {
    const Token& t = cur();
    if ((t.kind == TokenKind::kBracket || t.kind == TokenKind::kOperator) && t.text == what) {
      next();
      return;
    }
    std::string msg = "expected '" + std::string(what) + "' but found " + describe(t);
    if (opener) {
      ExprError at = error_at(src_, opener->begin, "");
      msg += " (the '" + opener->text + "' at line " + std::to_string(at.line()) + ", column " +
             std::to_string(at.column()) + " is not closed)";
    }
    fail(t, std::move(msg));
  }

  // A deep copy, for the operand that a comparison chain shares between two comparisons.
  NodePtr clone(const Node& n) {
    auto c = std::make_unique<Node>();
    c->kind = n.kind;
    c->op = n.op;
    c->negate = n.negate;
    c->optional = n.optional;
    c->builtin = n.builtin;
    c->name = n.name;
    c->literal = n.literal;
    c->regex = n.regex;
    c->pos = n.pos;
    c->begin = n.begin;
    c->end = n.end;
    c->depth = n.depth;
    for (const auto& child : n.children) c->children.push_back(child ? clone(*child) : nullptr);
    return c;
  }

  NodePtr make(NodeKind kind, std::size_t pos, std::size_t begin, std::size_t end) {
    auto n = std::make_unique<Node>();
    n->kind = kind;
    n->pos = pos;
    n->begin = begin;
    n->end = end;
    return n;
  }

  // Adopts children and checks the tree height.
  NodePtr finish(NodePtr n) {
    int h = 0;
    for (const auto& c : n->children)
      if (c) h = std::max(h, c->depth);
    n->depth = h + 1;
    if (n->depth > kMaxHeight)
      fail_at(n->pos,
              "expression nested too deeply (more than " + std::to_string(kMaxHeight) + " levels)");
    return n;
  }

  NodePtr expression(int precedence) {
    Nest nest(*this);
    NodePtr left = primary();
    Op prev = Op::kNone;  // the operator applied last at this level
    // When `left` ends with a comparison, its right operand: a following comparison continues
    // the chain from there.
    const Node* last_right = nullptr;
    for (;;) {
      const Token& t = cur();
      bool negate = false;
      std::size_t op_pos = t.begin;
      std::optional<BinaryInfo> info;
      if (t.kind == TokenKind::kIdentifier && t.text == "not") {
        const Token& n = peek();
        if (n.kind != TokenKind::kIdentifier || !negatable(n.text))
          fail(n,
               "expected 'in', 'matches', 'contains', 'startsWith' or 'endsWith' after 'not' "
               "but found " +
                   describe(n));
        info = binary_info(n);
        if (!info || info->precedence < precedence) break;
        negate = true;
        next();
      } else {
        info = binary_info(t);
        if (!info || info->precedence < precedence) break;
      }
      if (prev == Op::kCoalesce && info->op != Op::kCoalesce)
        fail_at(op_pos, "operator " + cur().text +
                            " and the nil-coalescing operator ?? cannot be mixed: wrap either in "
                            "parentheses");
      std::string spelling = (negate ? "not " : "") + cur().text;
      next();
      NodePtr right =
          expression(info->assoc == Assoc::kLeft ? info->precedence + 1 : info->precedence);
      bool comparison = info->precedence == kComparisonPrecedence;
      // expr-lang reads "1 < x <= 5" as "1 < x && x <= 5".
      bool chained = comparison && last_right != nullptr && !negate;
      NodePtr lhs = chained ? clone(*last_right) : std::move(left);
      auto n = make(NodeKind::kBinary, op_pos, lhs->begin, right->end);
      n->op = info->op;
      n->negate = negate;
      n->name = std::move(spelling);
      if (info->op == Op::kMatches && right->kind == NodeKind::kLiteral &&
          right->literal.type() == Type::kString)
        n->regex = compile_regex(*right);
      n->children.push_back(std::move(lhs));
      n->children.push_back(std::move(right));
      const Node* right_operand = n->children[1].get();
      n = finish(std::move(n));
      if (chained) {
        auto both = make(NodeKind::kBinary, op_pos, left->begin, n->end);
        both->op = Op::kAnd;
        both->name = "&&";
        both->children.push_back(std::move(left));
        both->children.push_back(std::move(n));
        n = finish(std::move(both));
      }
      left = std::move(n);
      prev = info->op;
      last_right = comparison ? right_operand : nullptr;
    }
    if (precedence == 0 && cur().is_op("?")) left = conditional(std::move(left));
    return left;
  }

  std::shared_ptr<const re2::RE2> compile_regex(const Node& pattern) {
    RE2::Options opts;
    opts.set_log_errors(false);
    auto re = std::make_shared<const re2::RE2>(std::string(pattern.literal.as_string()), opts);
    if (!re->ok()) fail_at(pattern.pos, "invalid regular expression: " + re->error());
    return re;
  }

  NodePtr conditional(NodePtr cond) {
    std::size_t q = cur().begin;
    next();  // '?'
    auto n = make(NodeKind::kConditional, q, cond->begin, 0);
    NodePtr yes;
    if (cur().is_op(":")) {
      // "a ?: b": a unless it is nil or false.
      next();
      n->name = "?:";
    } else {
      yes = expression(0);
      expect(":");
    }
    NodePtr no = expression(0);
    n->end = no->end;
    n->children.push_back(std::move(cond));
    n->children.push_back(std::move(yes));
    n->children.push_back(std::move(no));
    return finish(std::move(n));
  }

  NodePtr primary() {
    Nest nest(*this);
    const Token& t = cur();
    if ((t.kind == TokenKind::kIdentifier && t.text == "not") || t.is_op("!") || t.is_op("-") ||
        t.is_op("+")) {
      bool logical = t.text == "not" || t.text == "!";
      std::size_t begin = t.begin;
      std::string spelling = t.text;
      next();
      NodePtr operand = expression(logical ? kNotPrecedence : kUnaryPrecedence);
      auto n = make(NodeKind::kUnary, begin, begin, operand->end);
      n->op = logical ? Op::kNot : (spelling == "-" ? Op::kNeg : Op::kPlus);
      n->name = std::move(spelling);
      n->children.push_back(std::move(operand));
      return postfix(finish(std::move(n)));
    }
    if (t.is_bracket("(")) {
      const Token& open = t;
      next();
      NodePtr inner = expression(0);
      expect(")", &open);
      return postfix(std::move(inner));
    }
    if (t.is_op("#") || t.is_op(".")) {
      if (predicate_depth_ == 0)
        fail(t, "cannot use pointer accessor '" + t.text + "' outside a predicate");
      return postfix(pointer());
    }
    return postfix(operand());
  }

  // '#', '#index' or '.field' inside a predicate.
  NodePtr pointer() {
    const Token& t = cur();
    std::size_t begin = t.begin;
    if (t.is_op("#")) {
      next();
      auto n = make(NodeKind::kPointer, begin, begin, t.end);
      const Token& name = cur();
      if (name.kind == TokenKind::kIdentifier && name.begin == t.end &&
          !is_word_operator(name.text)) {
        if (name.text != "index")
          fail(name, "unknown pointer '#" + name.text + "' (expected '#' or '#index')");
        n->name = name.text;
        n->end = name.end;
        next();
      }
      return finish(std::move(n));
    }
    // '.field' is '#.field'.
    next();
    const Token& name = cur();
    if (name.kind != TokenKind::kIdentifier)
      fail(name, "expected a field name after '.' but found " + describe(name));
    auto elem = finish(make(NodeKind::kPointer, begin, begin, begin + 1));
    auto n = make(NodeKind::kMember, name.begin, begin, name.end);
    n->name = name.text;
    n->children.push_back(std::move(elem));
    next();
    return finish(std::move(n));
  }

  NodePtr operand() {
    const Token& t = cur();
    switch (t.kind) {
      case TokenKind::kInt:
      case TokenKind::kFloat:
      case TokenKind::kString: {
        auto n = make(NodeKind::kLiteral, t.begin, t.begin, t.end);
        if (t.kind == TokenKind::kInt) n->literal = Value::integer(t.int_value);
        if (t.kind == TokenKind::kFloat) n->literal = Value::number(t.float_value);
        if (t.kind == TokenKind::kString) n->literal = Value::string(t.text);
        next();
        return finish(std::move(n));
      }
      case TokenKind::kIdentifier:
        return identifier();
      case TokenKind::kBracket:
        if (t.text == "[") return array();
        if (t.text == "{") return map();
        break;
      default:
        break;
    }
    fail(t, "expected an expression but found " + describe(t));
  }

  NodePtr identifier() {
    const Token& t = cur();
    if (t.text == "true" || t.text == "false" || t.text == "nil") {
      auto n = make(NodeKind::kLiteral, t.begin, t.begin, t.end);
      if (t.text != "nil") n->literal = Value::boolean(t.text == "true");
      next();
      return finish(std::move(n));
    }
    if (is_word_operator(t.text))
      fail(t, "expected an expression but found operator '" + t.text + "'");
    if (peek().is_bracket("(")) return call();
    check_known(t);
    auto n = make(NodeKind::kIdentifier, t.begin, t.begin, t.end);
    n->name = t.text;
    next();
    return finish(std::move(n));
  }

  void check_known(const Token& t) {
    if (!known_) return;
    for (auto f : *known_)
      if (f == t.text) return;
    std::string msg = "unknown name '" + t.text + "'";
    std::string_view best;
    std::size_t best_d = 3;  // suggest only close matches: typos, not different words
    for (auto f : *known_) {
      std::size_t d = edit_distance(t.text, f);
      if (d < best_d) {
        best_d = d;
        best = f;
      }
    }
    if (!best.empty()) msg += " (did you mean '" + std::string(best) + "'?)";
    fail(t, std::move(msg));
  }

  NodePtr call() {
    const Token& name = cur();
    auto info = find_builtin(name.text);
    if (!info) fail(name, "unknown function '" + name.text + "'");
    auto n = make(NodeKind::kCall, name.begin, name.begin, 0);
    n->name = name.text;
    n->builtin = info->id;
    next();
    const Token& open = cur();
    next();
    while (!cur().is_bracket(")")) {
      if (!n->children.empty()) {
        if (!cur().is_op(",")) expect(")", &open);
        next();
        if (cur().is_bracket(")")) break;  // trailing comma
      }
      if (info->predicate && n->children.size() == 1) {
        n->children.push_back(predicate());
      } else {
        n->children.push_back(expression(0));
      }
    }
    n->end = cur().end;
    next();
    int argc = static_cast<int>(n->children.size());
    if (argc < info->min_args || (info->max_args >= 0 && argc > info->max_args)) {
      std::string want = std::to_string(info->min_args);
      if (info->max_args != info->min_args)
        want = info->max_args < 0 ? "at least " + want
                                  : want + " to " + std::to_string(info->max_args);
      fail(name, "wrong number of arguments to " + name.text + ": expected " + want + ", got " +
                     std::to_string(argc));
    }
    return finish(std::move(n));
  }

  // A predicate, "{.capacity > 0}" (expr 1.x) or bare ".capacity > 0" (expr-lang).
  NodePtr predicate() {
    const Token& t = cur();
    ++predicate_depth_;
    NodePtr body;
    std::size_t begin = t.begin;
    if (t.is_bracket("{")) {
      const Token& open = t;
      next();
      body = expression(0);
      expect("}", &open);
    } else {
      body = expression(0);
    }
    --predicate_depth_;
    auto n = make(NodeKind::kPredicate, begin, begin, prev().end);
    n->children.push_back(std::move(body));
    return finish(std::move(n));
  }

  NodePtr array() {
    const Token& open = cur();
    auto n = make(NodeKind::kArray, open.begin, open.begin, 0);
    next();
    while (!cur().is_bracket("]")) {
      if (!n->children.empty()) {
        if (!cur().is_op(",")) expect("]", &open);
        next();
        if (cur().is_bracket("]")) break;
      }
      n->children.push_back(expression(0));
    }
    n->end = cur().end;
    next();
    return finish(std::move(n));
  }

  NodePtr map() {
    const Token& open = cur();
    auto n = make(NodeKind::kMap, open.begin, open.begin, 0);
    next();
    while (!cur().is_bracket("}")) {
      if (!n->children.empty()) {
        if (!cur().is_op(",")) expect("}", &open);
        next();
        if (cur().is_bracket("}")) break;
      }
      const Token& k = cur();
      NodePtr key;
      if (k.kind == TokenKind::kIdentifier || k.kind == TokenKind::kString ||
          k.kind == TokenKind::kInt || k.kind == TokenKind::kFloat) {
        // Identifiers and numbers are keys by their spelling, as in expr-lang.
        key = make(NodeKind::kLiteral, k.begin, k.begin, k.end);
        key->literal = Value::string(k.text);
        key = finish(std::move(key));
        next();
      } else if (k.is_bracket("(")) {
        key = expression(0);
      } else {
        fail(k,
             "expected a map key (a name, a quoted string, a number or a parenthesized "
             "expression) but found " +
                 describe(k));
      }
      expect(":");
      n->children.push_back(std::move(key));
      n->children.push_back(expression(0));
    }
    n->end = cur().end;
    next();
    return finish(std::move(n));
  }

  NodePtr postfix(NodePtr node) {
    bool optional_seen = false;
    for (;;) {
      const Token& t = cur();
      bool optional = t.is_op("?.");
      if (t.is_op(".") || (optional && !peek().is_bracket("["))) {
        next();
        const Token& name = cur();
        if (name.kind != TokenKind::kIdentifier)
          fail(name, "expected a field name after '" + t.text + "' but found " + describe(name));
        if (peek().is_bracket("(")) fail(peek(), "method calls are not supported");
        auto n = make(NodeKind::kMember, name.begin, node->begin, name.end);
        n->name = name.text;
        n->optional = optional;
        n->children.push_back(std::move(node));
        node = finish(std::move(n));
        next();
      } else if (t.is_bracket("[") || optional) {
        if (optional) next();  // "?." before '['
        node = index(std::move(node), optional);
      } else {
        break;
      }
      optional_seen = optional_seen || optional;
    }
    if (!optional_seen) return node;
    auto chain = make(NodeKind::kChain, node->pos, node->begin, node->end);
    chain->children.push_back(std::move(node));
    return finish(std::move(chain));
  }

  NodePtr index(NodePtr node, bool optional) {
    Nest nest(*this);
    const Token& open = cur();
    next();
    NodePtr from;
    if (!cur().is_op(":")) from = expression(0);
    if (cur().is_op(":")) {
      next();
      NodePtr to;
      if (!cur().is_bracket("]")) to = expression(0);
      auto n = make(NodeKind::kSlice, open.begin, node->begin, cur().end);
      expect("]", &open);
      n->optional = optional;
      n->children.push_back(std::move(node));
      n->children.push_back(std::move(from));
      n->children.push_back(std::move(to));
      return finish(std::move(n));
    }
    auto n = make(NodeKind::kMember, open.begin, node->begin, cur().end);
    expect("]", &open);
    n->optional = optional;
    n->children.push_back(std::move(node));
    n->children.push_back(std::move(from));
    return finish(std::move(n));
  }

  std::string_view src_;
  std::vector<Token> tokens_;
  const std::span<const std::string_view>* known_;
  std::size_t pos_ = 0;
  int nesting_ = 0;
  int predicate_depth_ = 0;
};

}  // namespace

NodePtr parse(std::string_view source, const std::span<const std::string_view>* known_fields) {
  return Parser(source, known_fields).parse_all();
}

}  // namespace mm::expr
