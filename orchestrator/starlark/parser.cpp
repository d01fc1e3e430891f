#include "orchestrator/starlark/parser.h"

#include "orchestrator/starlark/lexer.h"

namespace mm::starlark {

const char* op_text(Op op) {
  switch (op) {
    case Op::Add: return "+";
    case Op::Sub: return "-";
    case Op::Mul: return "*";
    case Op::Div: return "/";
    case Op::FloorDiv: return "//";
    case Op::Mod: return "%";
    case Op::BitAnd: return "&";
    case Op::BitOr: return "|";
    case Op::BitXor: return "^";
    case Op::Shl: return "<<";
    case Op::Shr: return ">>";
    case Op::Eq: return "==";
    case Op::Ne: return "!=";
    case Op::Lt: return "<";
    case Op::Le: return "<=";
    case Op::Gt: return ">";
    case Op::Ge: return ">=";
    case Op::In: return "in";
    case Op::NotIn: return "not in";
    case Op::And: return "and";
    case Op::Or: return "or";
    case Op::Neg: return "-";
    case Op::Pos: return "+";
    case Op::Not: return "not";
    case Op::BitNot: return "~";
  }
  return "?";
}

namespace {

constexpr int kMaxNesting = 64;

// Binary operator precedence levels, lowest first (as in the Go implementation).
int precedence(Tok t) {
  switch (t) {
    case Tok::Or: return 0;
    case Tok::And: return 1;
    case Tok::Not: return 2;
    case Tok::EqEq: case Tok::NotEq: case Tok::Lt: case Tok::Gt: case Tok::Le: case Tok::Ge:
    case Tok::In:
      return 3;
    case Tok::Pipe: return 4;
    case Tok::Caret: return 5;
    case Tok::Amp: return 6;
    case Tok::LtLt: case Tok::GtGt: return 7;
    case Tok::Minus: case Tok::Plus: return 8;
    case Tok::Star: case Tok::Percent: case Tok::Slash: case Tok::SlashSlash: return 9;
    default: return -1;
  }
}
constexpr int kLevels = 10;

Op binop(Tok t) {
  switch (t) {
    case Tok::Or: return Op::Or;
    case Tok::And: return Op::And;
    case Tok::EqEq: return Op::Eq;
    case Tok::NotEq: return Op::Ne;
    case Tok::Lt: return Op::Lt;
    case Tok::Gt: return Op::Gt;
    case Tok::Le: return Op::Le;
    case Tok::Ge: return Op::Ge;
    case Tok::In: return Op::In;
    case Tok::Pipe: return Op::BitOr;
    case Tok::Caret: return Op::BitXor;
    case Tok::Amp: return Op::BitAnd;
    case Tok::LtLt: return Op::Shl;
    case Tok::GtGt: return Op::Shr;
    case Tok::Minus: return Op::Sub;
    case Tok::Plus: return Op::Add;
    case Tok::Star: return Op::Mul;
    case Tok::Percent: return Op::Mod;
    case Tok::Slash: return Op::Div;
    case Tok::SlashSlash: return Op::FloorDiv;
    default: return Op::Add;
  }
}

class Parser {
 public:
  Parser(std::vector<Token> toks, FileAst& file, Heap& constants)
      : toks_(std::move(toks)), file_(file), heap_(constants) {}

  void parse() {
    while (tok().kind != Tok::Eof) {
      if (tok().kind == Tok::Newline) {
        next();
        continue;
      }
      parse_stmt(file_.toplevel.body);
    }
  }

 private:
  const Token& tok() const { return toks_[i_]; }
  const Token& peek(size_t k = 1) const { return toks_[std::min(i_ + k, toks_.size() - 1)]; }
  Position next() {
    Position p = toks_[i_].pos;
    if (i_ + 1 < toks_.size()) ++i_;
    return p;
  }
  [[noreturn]] void error(Position p, const std::string& msg) {
    throw StarlarkError(file_.filename, p, msg);
  }
  [[noreturn]] void unexpected(const std::string& want) {
    const Token& t = tok();
    std::string got = tok_name(t.kind);
    if (t.kind == Tok::Name) got = "identifier '" + t.text + "'";
    error(t.pos, "got " + got + ", want " + want);
  }
  Position expect(Tok k) {
    if (tok().kind != k) unexpected(tok_name(k));
    return next();
  }

  struct Depth {
    Depth(Parser& p, Position pos) : p(p) {
      if (++p.depth_ > kMaxNesting) p.error(pos, "code nested too deeply");
    }
    ~Depth() { --p.depth_; }
    Parser& p;
  };

  // ---- statements ----
  void parse_stmt(std::vector<StmtPtr>& out) {
    Depth d(*this, tok().pos);
    switch (tok().kind) {
      case Tok::Def: out.push_back(parse_def()); return;
      case Tok::If: out.push_back(parse_if()); return;
      case Tok::For: out.push_back(parse_for()); return;
      case Tok::While:
        throw StarlarkError(file_.filename, tok().pos,
                            "while loops are not supported: Starlark has no while statement "
                            "(use a for loop over a bounded range)",
                            "while");
      default: parse_simple_stmt(out);
    }
  }

  void parse_simple_stmt(std::vector<StmtPtr>& out) {
    while (true) {
      out.push_back(parse_small_stmt());
      if (tok().kind != Tok::Semi) break;
      next();
      if (tok().kind == Tok::Newline || tok().kind == Tok::Eof) break;
    }
    if (tok().kind == Tok::Eof) return;
    expect(Tok::Newline);
  }

  StmtPtr parse_small_stmt() {
    Position p = tok().pos;
    switch (tok().kind) {
      case Tok::Return: {
        next();
        auto r = std::make_unique<ReturnStmt>(p);
        if (tok().kind != Tok::Newline && tok().kind != Tok::Semi && tok().kind != Tok::Eof)
          r->value = parse_expr();
        return r;
      }
      case Tok::Break: next(); return std::make_unique<SimpleStmt>(StmtKind::Break, p);
      case Tok::Continue: next(); return std::make_unique<SimpleStmt>(StmtKind::Continue, p);
      case Tok::Pass: next(); return std::make_unique<SimpleStmt>(StmtKind::Pass, p);
      case Tok::Load: return parse_load();
      default: break;
    }
    ExprPtr x = parse_expr();
    Tok k = tok().kind;
    if (k == Tok::Eq) {
      Position op = next();
      check_assign_target(*x, false);
      auto a = std::make_unique<AssignStmt>(StmtKind::Assign, op);
      a->lhs = std::move(x);
      a->rhs = parse_expr();
      return a;
    }
    Op aug;
    if (augmented(k, aug)) {
      Position op = next();
      check_assign_target(*x, true);
      auto a = std::make_unique<AssignStmt>(StmtKind::AugAssign, op);
      a->op = aug;
      a->lhs = std::move(x);
      a->rhs = parse_expr();
      return a;
    }
    return std::make_unique<ExprStmt>(p, std::move(x));
  }

  static bool augmented(Tok k, Op& op) {
    switch (k) {
      case Tok::PlusEq: op = Op::Add; return true;
      case Tok::MinusEq: op = Op::Sub; return true;
      case Tok::StarEq: op = Op::Mul; return true;
      case Tok::SlashEq: op = Op::Div; return true;
      case Tok::SlashSlashEq: op = Op::FloorDiv; return true;
      case Tok::PercentEq: op = Op::Mod; return true;
      case Tok::AmpEq: op = Op::BitAnd; return true;
      case Tok::PipeEq: op = Op::BitOr; return true;
      case Tok::CaretEq: op = Op::BitXor; return true;
      case Tok::LtLtEq: op = Op::Shl; return true;
      case Tok::GtGtEq: op = Op::Shr; return true;
      default: return false;
    }
  }

  void check_assign_target(const Expr& x, bool augmented) {
    switch (x.kind) {
      case ExprKind::Ident:
      case ExprKind::Index:
      case ExprKind::Dot:
        return;
      case ExprKind::List:
      case ExprKind::Tuple:
        if (augmented)
          error(x.pos, std::string("cannot perform augmented assignment to ") +
                           (x.kind == ExprKind::List ? "list" : "tuple") + " expression");
        for (auto& e : static_cast<const SeqExpr&>(x).items) check_assign_target(*e, false);
        return;
      default:
        error(x.pos, "cannot assign to this expression");
    }
  }

  StmtPtr parse_load() {
    Position p = next();
    auto l = std::make_unique<LoadStmt>(p);
    expect(Tok::LParen);
    if (tok().kind != Tok::String) unexpected("string literal (module name)");
    l->module = tok().text;
    next();
    while (tok().kind == Tok::Comma) {
      next();
      if (tok().kind == Tok::RParen) break;
      if (tok().kind == Tok::String) {
        l->locals.push_back(std::make_unique<Ident>(tok().pos, tok().text));
        l->remote.push_back(tok().text);
        next();
      } else if (tok().kind == Tok::Name) {
        Position np = tok().pos;
        std::string local = tok().text;
        next();
        expect(Tok::Eq);
        if (tok().kind != Tok::String) unexpected("string literal");
        l->locals.push_back(std::make_unique<Ident>(np, local));
        l->remote.push_back(tok().text);
        next();
      } else {
        unexpected("string literal or name=string");
      }
    }
    expect(Tok::RParen);
    if (l->locals.empty()) error(p, "load statement must import at least 1 symbol");
    return l;
  }

  std::vector<StmtPtr> parse_suite() {
    std::vector<StmtPtr> body;
    if (tok().kind == Tok::Newline) {
      next();
      expect(Tok::Indent);
      while (tok().kind != Tok::Outdent && tok().kind != Tok::Eof) parse_stmt(body);
      if (tok().kind == Tok::Outdent) next();
    } else {
      parse_simple_stmt(body);
    }
    return body;
  }

  StmtPtr parse_def() {
    Position p = next();
    auto d = std::make_unique<DefStmt>(p);
    if (tok().kind != Tok::Name) unexpected("function name");
    d->name = std::make_unique<Ident>(tok().pos, tok().text);
    next();
    d->fn = std::make_unique<FuncDef>();
    d->fn->name = d->name->name;
    d->fn->pos = d->name->pos;
    expect(Tok::LParen);
    parse_params(d->fn->params, Tok::RParen);
    expect(Tok::RParen);
    expect(Tok::Colon);
    d->fn->body = parse_suite();
    return d;
  }

  void parse_params(std::vector<Param>& params, Tok end) {
    while (tok().kind != end) {
      Param prm;
      prm.pos = tok().pos;
      if (tok().kind == Tok::Star || tok().kind == Tok::StarStar) {
        prm.kind = tok().kind == Tok::Star ? ParamKind::Star : ParamKind::StarStar;
        next();
        if (tok().kind == Tok::Name) {
          prm.name = tok().text;
          next();
        } else if (prm.kind == ParamKind::StarStar) {
          unexpected("parameter name");
        }
      } else {
        if (tok().kind != Tok::Name) unexpected("parameter name");
        prm.name = tok().text;
        next();
        if (tok().kind == Tok::Eq) {
          next();
          prm.default_value = parse_test();
        }
      }
      params.push_back(std::move(prm));
      if (tok().kind != Tok::Comma) break;
      next();
    }
  }

  StmtPtr parse_if() {
    Position p = next();
    auto s = std::make_unique<IfStmt>(p);
    s->cond = parse_test();
    expect(Tok::Colon);
    s->then = parse_suite();
    if (tok().kind == Tok::Elif) {
      Depth d(*this, tok().pos);
      s->els.push_back(parse_if());  // elif is an if nested in the else branch
    } else if (tok().kind == Tok::Else) {
      next();
      expect(Tok::Colon);
      s->els = parse_suite();
    }
    return s;
  }

  StmtPtr parse_for() {
    Position p = next();
    auto s = std::make_unique<ForStmt>(p);
    s->target = parse_loop_vars();
    expect(Tok::In);
    s->iter = parse_expr();
    expect(Tok::Colon);
    s->body = parse_suite();
    return s;
  }

  ExprPtr parse_loop_vars() {
    Position p = tok().pos;
    ExprPtr first = parse_primary_with_suffix();
    if (tok().kind != Tok::Comma) {
      check_assign_target(*first, false);
      return first;
    }
    auto t = std::make_unique<SeqExpr>(ExprKind::Tuple, p);
    t->items.push_back(std::move(first));
    while (tok().kind == Tok::Comma) {
      next();
      if (tok().kind == Tok::In) break;
      t->items.push_back(parse_primary_with_suffix());
    }
    check_assign_target(*t, false);
    return t;
  }

  // ---- expressions ----
  // Expression = Test {',' Test} : a tuple without parentheses.
  ExprPtr parse_expr() {
    Position p = tok().pos;
    ExprPtr x = parse_test();
    if (tok().kind != Tok::Comma) return x;
    auto t = std::make_unique<SeqExpr>(ExprKind::Tuple, p);
    t->items.push_back(std::move(x));
    while (tok().kind == Tok::Comma) {
      next();
      if (!starts_expr(tok().kind)) break;
      t->items.push_back(parse_test());
    }
    return t;
  }

  static bool starts_expr(Tok k) {
    switch (k) {
      case Tok::Name: case Tok::Int: case Tok::Float: case Tok::String: case Tok::LParen:
      case Tok::LBrack: case Tok::LBrace: case Tok::Minus: case Tok::Plus: case Tok::Tilde:
      case Tok::Not: case Tok::Lambda:
        return true;
      default:
        return false;
    }
  }

  ExprPtr parse_test() {
    Depth d(*this, tok().pos);
    if (tok().kind == Tok::Lambda) return parse_lambda(true);
    ExprPtr x = parse_test_prec(0);
    if (tok().kind == Tok::If) {
      Position p = next();
      auto c = std::make_unique<CondExpr>(p);
      c->then = std::move(x);
      c->cond = parse_test_prec(0);
      if (tok().kind != Tok::Else) unexpected("else");
      next();
      c->els = parse_test();
      return c;
    }
    return x;
  }

  // A test without a conditional expression (comprehension clauses).
  ExprPtr parse_test_no_cond() {
    if (tok().kind == Tok::Lambda) return parse_lambda(false);
    return parse_test_prec(0);
  }

  ExprPtr parse_lambda(bool allow_cond) {
    Position p = next();
    auto l = std::make_unique<LambdaExpr>(p);
    l->fn = std::make_unique<FuncDef>();
    l->fn->name = "lambda";
    l->fn->pos = p;
    parse_params(l->fn->params, Tok::Colon);
    expect(Tok::Colon);
    auto r = std::make_unique<ReturnStmt>(tok().pos);
    r->value = allow_cond ? parse_test() : parse_test_no_cond();
    l->fn->body.push_back(std::move(r));
    return l;
  }

  ExprPtr parse_test_prec(int prec) {
    if (prec >= kLevels) return parse_primary_with_suffix();
    if (tok().kind == Tok::Not && prec == 2) {
      Position p = next();
      Depth d(*this, p);
      ExprPtr x = parse_test_prec(prec);
      return std::make_unique<UnaryExpr>(p, Op::Not, std::move(x));
    }
    ExprPtr x = parse_test_prec(prec + 1);
    for (bool first = true;; first = false) {
      Tok k = tok().kind;
      bool not_in = false;
      if (k == Tok::Not) {
        // In this position "not" must begin "not in".
        if (peek().kind != Tok::In) return x;
        not_in = true;
      }
      int opprec = not_in ? 3 : precedence(k);
      if (opprec < prec || opprec < 0) return x;
      if (!first && opprec == 3) {
        error(tok().pos, std::string(op_text(static_cast<BinaryExpr&>(*x).op)) +
                             " does not associate with " +
                             (not_in ? "not in" : tok_name(k)) + " (use parens)");
      }
      Position p = next();
      Op op = binop(k);
      if (not_in) {
        next();
        op = Op::NotIn;
      }
      ExprPtr y = parse_test_prec(opprec + 1);
      x = std::make_unique<BinaryExpr>(p, op, std::move(x), std::move(y));
    }
  }

  ExprPtr parse_primary_with_suffix() {
    Depth d(*this, tok().pos);
    ExprPtr x = parse_primary();
    while (true) {
      switch (tok().kind) {
        case Tok::Dot: {
          next();
          if (tok().kind != Tok::Name) unexpected("field name after '.'");
          Position np = tok().pos;
          std::string name = tok().text;
          next();
          x = std::make_unique<DotExpr>(np, std::move(x), std::move(name));
          break;
        }
        case Tok::LBrack: x = parse_slice_suffix(std::move(x)); break;
        case Tok::LParen: x = parse_call_suffix(std::move(x)); break;
        default: return x;
      }
    }
  }

  ExprPtr parse_slice_suffix(ExprPtr x) {
    Position p = next();
    ExprPtr lo, hi, step;
    if (tok().kind != Tok::Colon) {
      lo = parse_expr();
      if (tok().kind == Tok::RBrack) {
        next();
        return std::make_unique<IndexExpr>(p, std::move(x), std::move(lo));
      }
    }
    auto s = std::make_unique<SliceExpr>(p);
    s->x = std::move(x);
    s->lo = std::move(lo);
    expect(Tok::Colon);
    if (tok().kind != Tok::Colon && tok().kind != Tok::RBrack) s->hi = parse_test();
    if (tok().kind == Tok::Colon) {
      next();
      if (tok().kind != Tok::RBrack) s->step = parse_test();
    }
    expect(Tok::RBrack);
    return s;
  }

  ExprPtr parse_call_suffix(ExprPtr fn) {
    Position p = next();
    auto c = std::make_unique<CallExpr>(p, std::move(fn));
    bool seen_named = false, seen_kwargs = false;
    while (tok().kind != Tok::RParen) {
      Arg a;
      Position ap = tok().pos;
      if (tok().kind == Tok::Star) {
        next();
        a.kind = ArgKind::Star;
        a.value = parse_test();
        if (seen_kwargs) error(ap, "*args may not follow **kwargs");
      } else if (tok().kind == Tok::StarStar) {
        next();
        a.kind = ArgKind::StarStar;
        a.value = parse_test();
        seen_kwargs = true;
      } else if (tok().kind == Tok::Name && peek().kind == Tok::Eq) {
        a.kind = ArgKind::Named;
        a.name = tok().text;
        next();
        next();
        a.value = parse_test();
        if (seen_kwargs) error(ap, "keyword argument may not follow **kwargs");
        seen_named = true;
      } else {
        a.value = parse_test();
        if (seen_named || seen_kwargs)
          error(ap, "positional argument may not follow named");
      }
      c->args.push_back(std::move(a));
      if (tok().kind != Tok::Comma) break;
      next();
    }
    expect(Tok::RParen);
    return c;
  }

  ExprPtr parse_primary() {
    const Token& t = tok();
    Position p = t.pos;
    switch (t.kind) {
      case Tok::Name: {
        auto id = std::make_unique<Ident>(p, t.text);
        next();
        return id;
      }
      case Tok::Int: {
        if (t.big_int)
          throw StarlarkError(file_.filename, p,
                              "unsupported feature: integer literal beyond 64 bits", "big int");
        Value v = Value::integer(t.int_value);
        next();
        return std::make_unique<Literal>(p, v);
      }
      case Tok::Float: {
        Value v = Value::floating(t.float_value);
        next();
        return std::make_unique<Literal>(p, v);
      }
      case Tok::String: {
        Value v = Value::object(Kind::String, heap_.make<StrObj>(t.text));
        next();
        return std::make_unique<Literal>(p, v);
      }
      case Tok::LParen: {
        next();
        if (tok().kind == Tok::RParen) {
          next();
          return std::make_unique<SeqExpr>(ExprKind::Tuple, p);
        }
        ExprPtr x = parse_test();
        if (tok().kind == Tok::For)
          throw StarlarkError(file_.filename, tok().pos,
                              "unsupported feature: generator expressions", "generator");
        if (tok().kind == Tok::Comma) {
          auto tup = std::make_unique<SeqExpr>(ExprKind::Tuple, p);
          tup->items.push_back(std::move(x));
          while (tok().kind == Tok::Comma) {
            next();
            if (tok().kind == Tok::RParen) break;
            tup->items.push_back(parse_test());
          }
          x = std::move(tup);
        }
        expect(Tok::RParen);
        return x;
      }
      case Tok::LBrack: {
        next();
        auto list = std::make_unique<SeqExpr>(ExprKind::List, p);
        if (tok().kind == Tok::RBrack) {
          next();
          return list;
        }
        ExprPtr first = parse_test();
        if (tok().kind == Tok::For) {
          auto c = std::make_unique<CompExpr>(p);
          c->body = std::move(first);
          parse_clauses(*c, Tok::RBrack);
          return c;
        }
        list->items.push_back(std::move(first));
        while (tok().kind == Tok::Comma) {
          next();
          if (tok().kind == Tok::RBrack) break;
          list->items.push_back(parse_test());
        }
        expect(Tok::RBrack);
        return list;
      }
      case Tok::LBrace: {
        next();
        auto dict = std::make_unique<DictExpr>(p);
        if (tok().kind == Tok::RBrace) {
          next();
          return dict;
        }
        ExprPtr k = parse_test();
        if (tok().kind != Tok::Colon)
          throw StarlarkError(file_.filename, tok().pos, "unsupported feature: set literals",
                              "set");
        next();
        ExprPtr v = parse_test();
        if (tok().kind == Tok::For) {
          auto c = std::make_unique<CompExpr>(p);
          c->is_dict = true;
          c->body = std::move(k);
          c->value = std::move(v);
          parse_clauses(*c, Tok::RBrace);
          return c;
        }
        dict->entries.emplace_back(std::move(k), std::move(v));
        while (tok().kind == Tok::Comma) {
          next();
          if (tok().kind == Tok::RBrace) break;
          ExprPtr k2 = parse_test();
          expect(Tok::Colon);
          ExprPtr v2 = parse_test();
          dict->entries.emplace_back(std::move(k2), std::move(v2));
        }
        expect(Tok::RBrace);
        return dict;
      }
      case Tok::Minus:
      case Tok::Plus:
      case Tok::Tilde: {
        Op op = t.kind == Tok::Minus ? Op::Neg : t.kind == Tok::Plus ? Op::Pos : Op::BitNot;
        next();
        Depth d(*this, p);
        ExprPtr x = parse_primary_with_suffix();
        return std::make_unique<UnaryExpr>(p, op, std::move(x));
      }
      default:
        unexpected("expression");
    }
  }

  void parse_clauses(CompExpr& c, Tok close) {
    while (tok().kind == Tok::For || tok().kind == Tok::If) {
      Clause cl;
      cl.pos = tok().pos;
      if (tok().kind == Tok::For) {
        next();
        cl.is_for = true;
        cl.target = parse_loop_vars();
        expect(Tok::In);
        cl.expr = parse_test_no_cond();
      } else {
        next();
        cl.is_for = false;
        cl.expr = parse_test_no_cond();
      }
      c.clauses.push_back(std::move(cl));
    }
    expect(close);
  }

  std::vector<Token> toks_;
  size_t i_ = 0;
  int depth_ = 0;
  FileAst& file_;
  Heap& heap_;
};

}  // namespace

void parse_file(const std::string& source, FileAst& out, Heap& constants) {
  Parser(tokenize(source, out.filename), out, constants).parse();
}

}  // namespace mm::starlark
