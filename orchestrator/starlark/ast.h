// Syntax tree of a Starlark file. The resolver annotates identifiers and functions in place.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "orchestrator/starlark/error.h"
#include "orchestrator/starlark/value.h"

namespace mm::starlark {

enum class ExprKind {
  Ident, Literal, List, Tuple, Dict, Comp, Unary, Binary, Cond, Index, Slice, Dot, Call, Lambda
};

enum class Op {
  Add, Sub, Mul, Div, FloorDiv, Mod, BitAnd, BitOr, BitXor, Shl, Shr,
  Eq, Ne, Lt, Le, Gt, Ge, In, NotIn, And, Or,
  Neg, Pos, Not, BitNot,
};
const char* op_text(Op op);

struct Expr {
  Expr(ExprKind k, Position p) : kind(k), pos(p) {}
  virtual ~Expr() = default;
  ExprKind kind;
  Position pos;
};
using ExprPtr = std::unique_ptr<Expr>;

enum class Scope : uint8_t { Unresolved, Local, Free, Global, Predeclared, Universal };

struct Ident : Expr {
  Ident(Position p, std::string n) : Expr(ExprKind::Ident, p), name(std::move(n)) {}
  std::string name;
  Scope scope = Scope::Unresolved;
  int index = -1;    // slot in locals, freevars, globals or predeclared/universal table
  bool cell = false; // Local slot holds a Cell (captured by a nested function)
};

struct Literal : Expr {
  Literal(Position p, Value v) : Expr(ExprKind::Literal, p), value(v) {}
  Value value;  // ints, floats, strings (in the program's constant heap)
};

struct SeqExpr : Expr {  // List and Tuple displays
  SeqExpr(ExprKind k, Position p) : Expr(k, p) {}
  std::vector<ExprPtr> items;
};

struct DictExpr : Expr {
  explicit DictExpr(Position p) : Expr(ExprKind::Dict, p) {}
  std::vector<std::pair<ExprPtr, ExprPtr>> entries;
};

struct Clause {
  bool is_for = true;
  Position pos;
  ExprPtr target;  // for
  ExprPtr expr;    // iterable (for) or condition (if)
};

struct CompExpr : Expr {
  explicit CompExpr(Position p) : Expr(ExprKind::Comp, p) {}
  bool is_dict = false;
  ExprPtr body;   // element, or key for dicts
  ExprPtr value;  // dicts only
  std::vector<Clause> clauses;
};

struct UnaryExpr : Expr {
  UnaryExpr(Position p, Op o, ExprPtr x) : Expr(ExprKind::Unary, p), op(o), x(std::move(x)) {}
  Op op;
  ExprPtr x;
};

struct BinaryExpr : Expr {
  BinaryExpr(Position p, Op o, ExprPtr x, ExprPtr y)
      : Expr(ExprKind::Binary, p), op(o), x(std::move(x)), y(std::move(y)) {}
  Op op;
  ExprPtr x, y;
};

struct CondExpr : Expr {
  explicit CondExpr(Position p) : Expr(ExprKind::Cond, p) {}
  ExprPtr cond, then, els;
};

struct IndexExpr : Expr {
  IndexExpr(Position p, ExprPtr x, ExprPtr i)
      : Expr(ExprKind::Index, p), x(std::move(x)), index(std::move(i)) {}
  ExprPtr x, index;
};

struct SliceExpr : Expr {
  explicit SliceExpr(Position p) : Expr(ExprKind::Slice, p) {}
  ExprPtr x, lo, hi, step;  // lo/hi/step may be null
};

struct DotExpr : Expr {
  DotExpr(Position p, ExprPtr x, std::string n)
      : Expr(ExprKind::Dot, p), x(std::move(x)), name(std::move(n)) {}
  ExprPtr x;
  std::string name;
};

enum class ArgKind { Positional, Named, Star, StarStar };
struct Arg {
  ArgKind kind = ArgKind::Positional;
  std::string name;  // Named
  ExprPtr value;
};

struct CallExpr : Expr {
  CallExpr(Position p, ExprPtr f) : Expr(ExprKind::Call, p), fn(std::move(f)) {}
  ExprPtr fn;
  std::vector<Arg> args;
};

struct Stmt;
using StmtPtr = std::unique_ptr<Stmt>;

enum class ParamKind { Normal, Star, StarStar };
struct Param {
  ParamKind kind = ParamKind::Normal;
  std::string name;  // empty for a bare '*'
  Position pos;
  ExprPtr default_value;
};

// How a nested function obtains a captured variable when it is created.
struct FreeVarSource {
  bool from_local = true;  // enclosing function's local slot (a Cell) or its own freevars
  int index = 0;
};

struct FuncDef {
  std::string name;
  Position pos;
  std::vector<Param> params;
  std::vector<StmtPtr> body;
  // Filled by the resolver.
  int num_positional = 0;   // parameters that may be given positionally
  int num_kwonly = 0;       // keyword-only parameters (after * or *args)
  int num_defaults = 0;
  int varargs_slot = -1, kwargs_slot = -1;
  std::vector<std::string> param_names;  // positional then keyword-only
  int num_locals = 0;
  std::vector<std::string> local_names;
  std::vector<int> cell_slots;           // locals captured by nested functions
  std::vector<FreeVarSource> freevars;
  std::vector<std::string> freevar_names;
};

struct LambdaExpr : Expr {
  explicit LambdaExpr(Position p) : Expr(ExprKind::Lambda, p) {}
  std::unique_ptr<FuncDef> fn;
};

enum class StmtKind { Expr, Assign, AugAssign, Def, If, For, Return, Break, Continue, Pass, Load };

struct Stmt {
  Stmt(StmtKind k, Position p) : kind(k), pos(p) {}
  virtual ~Stmt() = default;
  StmtKind kind;
  Position pos;
};

struct ExprStmt : Stmt {
  ExprStmt(Position p, ExprPtr x) : Stmt(StmtKind::Expr, p), x(std::move(x)) {}
  ExprPtr x;
};

struct AssignStmt : Stmt {  // also augmented assignment (op)
  AssignStmt(StmtKind k, Position p) : Stmt(k, p) {}
  Op op = Op::Add;
  ExprPtr lhs, rhs;
};

struct DefStmt : Stmt {
  explicit DefStmt(Position p) : Stmt(StmtKind::Def, p) {}
  std::unique_ptr<Ident> name;
  std::unique_ptr<FuncDef> fn;
};

struct IfStmt : Stmt {
  explicit IfStmt(Position p) : Stmt(StmtKind::If, p) {}
  ExprPtr cond;
  std::vector<StmtPtr> then, els;
};

struct ForStmt : Stmt {
  explicit ForStmt(Position p) : Stmt(StmtKind::For, p) {}
  ExprPtr target, iter;
  std::vector<StmtPtr> body;
};

struct ReturnStmt : Stmt {
  explicit ReturnStmt(Position p) : Stmt(StmtKind::Return, p) {}
  ExprPtr value;  // may be null
};

struct SimpleStmt : Stmt {  // break, continue, pass
  SimpleStmt(StmtKind k, Position p) : Stmt(k, p) {}
};

struct LoadStmt : Stmt {
  explicit LoadStmt(Position p) : Stmt(StmtKind::Load, p) {}
  std::string module;
  std::vector<std::unique_ptr<Ident>> locals;
  std::vector<std::string> remote;
};

// A parsed and resolved file. Top-level code runs as a pseudo-function (for comprehension
// variables); top-level bindings are globals.
struct FileAst {
  std::string filename;
  FuncDef toplevel;
  std::vector<std::string> global_names;
  // Per global: bound by load() into the file's own block, as the reference does unless
  // -loadbindsglobally; only the "referenced before assignment" message depends on it.
  std::vector<bool> global_is_file_local;
  std::vector<std::string> predeclared_names;  // used names not bound in the file
};

}  // namespace mm::starlark
