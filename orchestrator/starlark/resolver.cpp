#include "orchestrator/starlark/resolver.h"

#include <algorithm>
#include <cctype>
#include <unordered_map>
#include <unordered_set>

namespace mm::starlark {

namespace {

// Edit distance, for "did you mean" hints.
size_t distance(const std::string& a, const std::string& b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

struct FuncState {
  FuncDef* def = nullptr;
  FuncState* parent = nullptr;
  bool toplevel = false;
  std::vector<std::unordered_map<std::string, int>> blocks;  // [0] = function locals
  std::unordered_map<std::string, int> freevar_index;
  std::vector<Ident*> local_uses;  // to mark captured (cell) locals afterwards
  std::unordered_set<int> cells;
  int loop_depth = 0;

  int new_slot(const std::string& name) {
    def->local_names.push_back(name);
    return def->num_locals++;
  }
  int lookup_local(const std::string& name) const {
    for (auto it = blocks.rbegin(); it != blocks.rend(); ++it) {
      auto f = it->find(name);
      if (f != it->end()) return f->second;
    }
    return -1;
  }
};

class Resolver {
 public:
  Resolver(FileAst& file, const ResolveOptions& opts) : file_(file), opts_(opts) {}

  void run() {
    FuncState top;
    top.def = &file_.toplevel;
    top.toplevel = true;
    top.blocks.emplace_back();
    // Globals: every name bound at top level, so functions may refer to later definitions.
    for (auto& s : file_.toplevel.body) collect_globals(*s);
    cur_ = &top;
    resolve_stmts(file_.toplevel.body);
    finish(top);
  }

 private:
  [[noreturn]] void error(Position p, const std::string& msg) {
    throw StarlarkError(file_.filename, p, msg);
  }

  // ---- globals ----
  void bind_global(Ident& id) {
    auto it = globals_.find(id.name);
    if (it != globals_.end()) {
      if (!opts_.allow_global_reassign) {
        Position prev = global_pos_[id.name];
        error(id.pos, "cannot reassign global " + id.name + " declared at " + file_.filename +
                          ":" + std::to_string(prev.line) + ":" + std::to_string(prev.col));
      }
      return;
    }
    int idx = static_cast<int>(file_.global_names.size());
    globals_[id.name] = idx;
    global_pos_[id.name] = id.pos;
    file_.global_names.push_back(id.name);
  }

  void collect_global_targets(Expr& x) {
    if (x.kind == ExprKind::Ident) {
      bind_global(static_cast<Ident&>(x));
    } else if (x.kind == ExprKind::List || x.kind == ExprKind::Tuple) {
      for (auto& e : static_cast<SeqExpr&>(x).items) collect_global_targets(*e);
    }
  }

  void collect_globals(Stmt& s) {
    switch (s.kind) {
      case StmtKind::Assign:
        collect_global_targets(*static_cast<AssignStmt&>(s).lhs);
        break;
      case StmtKind::AugAssign: {
        auto& a = static_cast<AssignStmt&>(s);
        // x += 1 rebinds x: legal only if x is already a global (checked with reassignment).
        if (a.lhs->kind == ExprKind::Ident) {
          auto& id = static_cast<Ident&>(*a.lhs);
          if (globals_.count(id.name) && !opts_.allow_global_reassign) bind_global(id);
          else if (!globals_.count(id.name)) bind_global(id);
        }
        break;
      }
      case StmtKind::Def: bind_global(*static_cast<DefStmt&>(s).name); break;
      case StmtKind::For: {
        auto& f = static_cast<ForStmt&>(s);
        collect_global_targets(*f.target);
        for (auto& b : f.body) collect_globals(*b);
        break;
      }
      case StmtKind::If: {
        auto& i = static_cast<IfStmt&>(s);
        for (auto& b : i.then) collect_globals(*b);
        for (auto& b : i.els) collect_globals(*b);
        break;
      }
      case StmtKind::Load:
        for (auto& id : static_cast<LoadStmt&>(s).locals) {
          bind_global(*id);
          if (!opts_.load_binds_globally) {
            file_.global_is_file_local.resize(file_.global_names.size());
            file_.global_is_file_local[globals_[id->name]] = true;
          }
        }
        break;
      default: break;
    }
  }

  // ---- locals of a function body (not nested functions or comprehensions) ----
  void collect_local_targets(Expr& x, FuncState& fs) {
    if (x.kind == ExprKind::Ident) {
      auto& id = static_cast<Ident&>(x);
      if (!fs.blocks[0].count(id.name)) fs.blocks[0][id.name] = fs.new_slot(id.name);
    } else if (x.kind == ExprKind::List || x.kind == ExprKind::Tuple) {
      for (auto& e : static_cast<SeqExpr&>(x).items) collect_local_targets(*e, fs);
    }
  }

  void collect_locals(Stmt& s, FuncState& fs) {
    switch (s.kind) {
      case StmtKind::Assign:
      case StmtKind::AugAssign:
        collect_local_targets(*static_cast<AssignStmt&>(s).lhs, fs);
        break;
      case StmtKind::Def: collect_local_targets(*static_cast<DefStmt&>(s).name, fs); break;
      case StmtKind::For: {
        auto& f = static_cast<ForStmt&>(s);
        collect_local_targets(*f.target, fs);
        for (auto& b : f.body) collect_locals(*b, fs);
        break;
      }
      case StmtKind::If: {
        auto& i = static_cast<IfStmt&>(s);
        for (auto& b : i.then) collect_locals(*b, fs);
        for (auto& b : i.els) collect_locals(*b, fs);
        break;
      }
      case StmtKind::Load:
        error(s.pos, "load statement within a function");
      default: break;
    }
  }

  // ---- functions ----
  void resolve_function(FuncDef& fn) {
    // Parameters: defaults are resolved in the enclosing scope.
    bool seen_star = false, seen_default = false;
    std::unordered_set<std::string> names;
    for (auto& p : fn.params) {
      if (p.default_value) resolve_expr(*p.default_value);
      if (p.kind == ParamKind::Normal) {
        if (!names.insert(p.name).second) error(p.pos, "duplicate parameter: " + p.name);
        if (seen_star) {
          fn.num_kwonly++;
        } else {
          if (p.default_value) seen_default = true;
          else if (seen_default) error(p.pos, "required parameter may not follow optional");
          fn.num_positional++;
        }
        fn.param_names.push_back(p.name);
      } else if (p.kind == ParamKind::Star) {
        if (seen_star) error(p.pos, "multiple * parameters not allowed");
        seen_star = true;
        if (!p.name.empty() && !names.insert(p.name).second)
          error(p.pos, "duplicate parameter: " + p.name);
      } else {
        if (!names.insert(p.name).second) error(p.pos, "duplicate parameter: " + p.name);
      }
    }
    if (!fn.params.empty() && fn.params.back().kind == ParamKind::Star &&
        fn.params.back().name.empty())
      error(fn.params.back().pos, "bare * must be followed by keyword-only parameters");

    FuncState fs;
    fs.def = &fn;
    fs.parent = cur_;
    fs.blocks.emplace_back();
    for (const auto& n : fn.param_names) fs.blocks[0][n] = fs.new_slot(n);
    for (auto& p : fn.params) {
      if (p.kind == ParamKind::Star && !p.name.empty()) {
        fn.varargs_slot = fs.new_slot(p.name);
        fs.blocks[0][p.name] = fn.varargs_slot;
      } else if (p.kind == ParamKind::StarStar) {
        fn.kwargs_slot = fs.new_slot(p.name);
        fs.blocks[0][p.name] = fn.kwargs_slot;
      }
    }
    for (auto& p : fn.params)
      if (p.default_value) fn.num_defaults++;
    for (auto& s : fn.body) collect_locals(*s, fs);

    FuncState* saved = cur_;
    cur_ = &fs;
    resolve_stmts(fn.body);
    cur_ = saved;
    finish(fs);
  }

  void finish(FuncState& fs) {
    for (Ident* id : fs.local_uses)
      if (fs.cells.count(id->index)) id->cell = true;
    fs.def->cell_slots.assign(fs.cells.begin(), fs.cells.end());
    std::sort(fs.def->cell_slots.begin(), fs.def->cell_slots.end());
  }

  // Makes `name` available as a free variable of fs, capturing it from enclosing functions.
  int capture(FuncState& fs, const std::string& name) {
    auto it = fs.freevar_index.find(name);
    if (it != fs.freevar_index.end()) return it->second;
    FuncState* p = fs.parent;
    if (!p) return -1;
    FreeVarSource src;
    int slot = p->lookup_local(name);
    if (slot >= 0) {
      p->cells.insert(slot);
      src.from_local = true;
      src.index = slot;
    } else {
      int k = capture(*p, name);
      if (k < 0) return -1;
      src.from_local = false;
      src.index = k;
    }
    int idx = static_cast<int>(fs.def->freevars.size());
    fs.def->freevars.push_back(src);
    fs.def->freevar_names.push_back(name);
    fs.freevar_index[name] = idx;
    return idx;
  }

  void use(Ident& id) {
    FuncState& fs = *cur_;
    int slot = fs.lookup_local(id.name);
    if (slot >= 0) {
      id.scope = Scope::Local;
      id.index = slot;
      fs.local_uses.push_back(&id);
      return;
    }
    int fv = capture(fs, id.name);
    if (fv >= 0) {
      id.scope = Scope::Free;
      id.index = fv;
      return;
    }
    auto g = globals_.find(id.name);
    if (g != globals_.end()) {
      id.scope = Scope::Global;
      id.index = g->second;
      return;
    }
    if (opts_.is_predeclared && opts_.is_predeclared(id.name)) {
      id.scope = Scope::Predeclared;
      auto& names = file_.predeclared_names;
      auto f = std::find(names.begin(), names.end(), id.name);
      id.index = static_cast<int>(f - names.begin());
      if (f == names.end()) names.push_back(id.name);
      return;
    }
    int u = universe_index(id.name);
    if (u >= 0) {
      id.scope = Scope::Universal;
      id.index = u;
      return;
    }
    error(id.pos, "undefined name '" + id.name + "'" + suggestion(id.name));
  }

  std::string suggestion(const std::string& name) {
    std::vector<std::string> cands;
    for (FuncState* fs = cur_; fs; fs = fs->parent)
      for (auto& b : fs->blocks)
        for (auto& kv : b) cands.push_back(kv.first);
    for (auto& kv : globals_) cands.push_back(kv.first);
    for (auto& n : universe_names()) cands.push_back(n);
    for (auto& n : opts_.predeclared_hints) cands.push_back(n);
    std::string best = spelling_hint(name, cands);
    return best.empty() ? "" : " (did you mean " + best + "?)";
  }

  // ---- statements ----
  void resolve_stmts(std::vector<StmtPtr>& body) {
    for (auto& s : body) resolve_stmt(*s);
  }

  void resolve_target(Expr& x) {
    switch (x.kind) {
      case ExprKind::Ident: use(static_cast<Ident&>(x)); break;
      case ExprKind::List:
      case ExprKind::Tuple:
        for (auto& e : static_cast<SeqExpr&>(x).items) resolve_target(*e);
        break;
      default: resolve_expr(x);  // a[i] = v, a.f = v
    }
  }

  void resolve_stmt(Stmt& s) {
    FuncState& fs = *cur_;
    switch (s.kind) {
      case StmtKind::Expr: resolve_expr(*static_cast<ExprStmt&>(s).x); break;
      case StmtKind::Assign:
      case StmtKind::AugAssign: {
        auto& a = static_cast<AssignStmt&>(s);
        resolve_expr(*a.rhs);
        resolve_target(*a.lhs);
        break;
      }
      case StmtKind::Def: {
        auto& d = static_cast<DefStmt&>(s);
        resolve_function(*d.fn);
        use(*d.name);
        break;
      }
      case StmtKind::If: {
        auto& i = static_cast<IfStmt&>(s);
        if (fs.toplevel && !opts_.allow_global_reassign)
          error(s.pos, "if statement not within a function");
        resolve_expr(*i.cond);
        resolve_stmts(i.then);
        resolve_stmts(i.els);
        break;
      }
      case StmtKind::For: {
        auto& f = static_cast<ForStmt&>(s);
        if (fs.toplevel && !opts_.allow_global_reassign)
          error(s.pos, "for loop not within a function");
        resolve_expr(*f.iter);
        resolve_target(*f.target);
        fs.loop_depth++;
        resolve_stmts(f.body);
        fs.loop_depth--;
        break;
      }
      case StmtKind::Return: {
        if (fs.toplevel) error(s.pos, "return statement not within a function");
        auto& r = static_cast<ReturnStmt&>(s);
        if (r.value) resolve_expr(*r.value);
        break;
      }
      case StmtKind::Break:
        if (fs.loop_depth == 0) error(s.pos, "break not in a loop");
        break;
      case StmtKind::Continue:
        if (fs.loop_depth == 0) error(s.pos, "continue not in a loop");
        break;
      case StmtKind::Pass: break;
      case StmtKind::Load:
        if (!fs.toplevel) error(s.pos, "load statement within a function");
        for (auto& id : static_cast<LoadStmt&>(s).locals) use(*id);
        break;
    }
  }

  // ---- expressions ----
  void resolve_expr(Expr& x) {
    switch (x.kind) {
      case ExprKind::Ident: use(static_cast<Ident&>(x)); break;
      case ExprKind::Literal: break;
      case ExprKind::List:
      case ExprKind::Tuple:
        for (auto& e : static_cast<SeqExpr&>(x).items) resolve_expr(*e);
        break;
      case ExprKind::Dict:
        for (auto& kv : static_cast<DictExpr&>(x).entries) {
          resolve_expr(*kv.first);
          resolve_expr(*kv.second);
        }
        break;
      case ExprKind::Comp: resolve_comp(static_cast<CompExpr&>(x)); break;
      case ExprKind::Unary: resolve_expr(*static_cast<UnaryExpr&>(x).x); break;
      case ExprKind::Binary: {
        auto& b = static_cast<BinaryExpr&>(x);
        resolve_expr(*b.x);
        resolve_expr(*b.y);
        break;
      }
      case ExprKind::Cond: {
        auto& c = static_cast<CondExpr&>(x);
        resolve_expr(*c.cond);
        resolve_expr(*c.then);
        resolve_expr(*c.els);
        break;
      }
      case ExprKind::Index: {
        auto& i = static_cast<IndexExpr&>(x);
        resolve_expr(*i.x);
        resolve_expr(*i.index);
        break;
      }
      case ExprKind::Slice: {
        auto& s = static_cast<SliceExpr&>(x);
        resolve_expr(*s.x);
        if (s.lo) resolve_expr(*s.lo);
        if (s.hi) resolve_expr(*s.hi);
        if (s.step) resolve_expr(*s.step);
        break;
      }
      case ExprKind::Dot: resolve_expr(*static_cast<DotExpr&>(x).x); break;
      case ExprKind::Call: {
        auto& c = static_cast<CallExpr&>(x);
        resolve_expr(*c.fn);
        std::unordered_set<std::string> seen;
        for (auto& a : c.args) {
          if (a.kind == ArgKind::Named && !seen.insert(a.name).second)
            error(a.value->pos, "keyword argument " + a.name + " repeated");
          resolve_expr(*a.value);
        }
        break;
      }
      case ExprKind::Lambda: resolve_function(*static_cast<LambdaExpr&>(x).fn); break;
    }
  }

  void bind_comp_targets(Expr& x, std::unordered_map<std::string, int>& block) {
    if (x.kind == ExprKind::Ident) {
      auto& id = static_cast<Ident&>(x);
      if (!block.count(id.name)) block[id.name] = cur_->new_slot(id.name);
    } else if (x.kind == ExprKind::List || x.kind == ExprKind::Tuple) {
      for (auto& e : static_cast<SeqExpr&>(x).items) bind_comp_targets(*e, block);
    }
  }

  void resolve_comp(CompExpr& c) {
    // The first iterable is evaluated in the enclosing block; everything else in a new block
    // where all loop variables are bound.
    resolve_expr(*c.clauses[0].expr);
    std::unordered_map<std::string, int> block;
    for (auto& cl : c.clauses)
      if (cl.is_for) bind_comp_targets(*cl.target, block);
    cur_->blocks.push_back(std::move(block));
    for (size_t i = 0; i < c.clauses.size(); ++i) {
      auto& cl = c.clauses[i];
      if (cl.is_for) {
        if (i > 0) resolve_expr(*cl.expr);
        resolve_target(*cl.target);
      } else {
        resolve_expr(*cl.expr);
      }
    }
    resolve_expr(*c.body);
    if (c.value) resolve_expr(*c.value);
    cur_->blocks.pop_back();
  }

  FileAst& file_;
  const ResolveOptions& opts_;
  FuncState* cur_ = nullptr;
  std::unordered_map<std::string, int> globals_;
  std::unordered_map<std::string, Position> global_pos_;
};

}  // namespace

void resolve_file(FileAst& file, const ResolveOptions& opts) {
  Resolver r(file, opts);
  r.run();
}

std::string spelling_hint(const std::string& name, const std::vector<std::string>& candidates) {
  // As go.starlark.net's internal/spell.Nearest, so hints match the reference's: underscores
  // and case are ignored, and up to half of the characters may be wrong.
  auto fold = [](const std::string& s) {
    std::string out;
    for (char c : s)
      if (c != '_') out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
  };
  const std::string x = fold(name);
  std::string best;
  size_t best_d = (x.size() + 1) / 2;
  for (const auto& cand : candidates) {
    if (cand == name) continue;
    size_t d = distance(x, fold(cand));
    if (d < best_d) {
      best_d = d;
      best = cand;
    }
  }
  return best;
}

}  // namespace mm::starlark
