// State of one evaluation: the environment, the predicate scopes and the work budget.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "orchestrator/expr/ast.h"
#include "orchestrator/expr/value.h"

namespace mm::expr {

// Work units one run may spend (node visits, elements and string bytes built); bounds the time
// and memory of hostile expressions like map(1..99999, repeat('x', 99999)).
inline constexpr std::uint64_t kStepBudget = 1'000'000;

struct Scope {
  Value element;
  std::int64_t index = 0;
};

struct Context {
  const nlohmann::json& env;
  std::string_view source;
  std::vector<Scope> scopes;  // innermost predicate last
  std::uint64_t steps = 0;

  // Throws ExprError at the node's position.
  [[noreturn]] void fail(const Node& node, std::string message) const;
  // Adds `units` of work; throws once the budget is spent.
  void charge(const Node& node, std::uint64_t units) {
    steps += units;
    if (steps > kStepBudget) exceeded(node);
  }
  // The node's source text, shortened for messages.
  std::string text(const Node& node) const;

 private:
  [[noreturn]] void exceeded(const Node& node) const;
};

}  // namespace mm::expr
