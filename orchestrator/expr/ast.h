// The syntax tree that the parser builds once and the evaluator walks for every record.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "orchestrator/expr/value.h"

namespace re2 {
class RE2;
}

namespace mm::expr {

enum class NodeKind {
  kLiteral,      // literal: nil, bool, int, float, string
  kArray,        // children: elements
  kMap,          // children: key, value, key, value ...
  kIdentifier,   // name: a top-level field of the environment
  kPointer,      // '#' (name empty) or '#index' inside a predicate
  kMember,       // children[0].name (name set) or children[0][children[1]]; optional for '?.'
  kSlice,        // children[0][children[1]:children[2]], bounds may be null
  kUnary,        // op children[0]
  kBinary,       // children[0] op children[1]
  kConditional,  // children[0] ? children[1] : children[2]
  kCall,         // builtin(children...)
  kPredicate,    // children[0] evaluated once per element by a closure builtin
  kChain,        // children[0] holds '?.' members; a nil there makes the whole chain nil
};

enum class Op {
  kNone,
  kOr,
  kAnd,
  kEq,
  kNe,
  kLt,
  kGt,
  kLe,
  kGe,
  kIn,
  kMatches,
  kContains,
  kStartsWith,
  kEndsWith,
  kRange,
  kAdd,
  kSub,
  kMul,
  kDiv,
  kMod,
  kPow,
  kCoalesce,
  kNot,
  kNeg,
  kPlus,
};

enum class Builtin;

struct Node;
using NodePtr = std::unique_ptr<Node>;

struct Node {
  NodeKind kind = NodeKind::kLiteral;
  Op op = Op::kNone;
  bool negate = false;    // "not in", "not matches", ...
  bool optional = false;  // '?.' member access
  Builtin builtin{};
  std::string name;  // identifier, property name, pointer name, operator spelling
  Value literal;
  std::shared_ptr<const re2::RE2> regex;  // compiled once when the pattern is a literal
  std::vector<NodePtr> children;
  std::size_t pos = 0;    // offset errors point at (the operator, or the first token)
  std::size_t begin = 0;  // source span, quoted in runtime error messages
  std::size_t end = 0;
  int depth = 1;  // height of the subtree, bounded so evaluation cannot overflow the stack
};

}  // namespace mm::expr
