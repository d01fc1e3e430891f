#include "orchestrator/expr/context.h"

#include "orchestrator/expr/error.h"

namespace mm::expr {

void Context::fail(const Node& node, std::string message) const {
  throw error_at(source, node.pos, std::move(message));
}

void Context::exceeded(const Node& node) const {
  fail(node, "evaluation budget exceeded (" + std::to_string(kStepBudget) +
                 " steps): the expression does too much work");
}

std::string Context::text(const Node& node) const {
  constexpr std::size_t kMax = 48;
  if (node.begin >= node.end || node.end > source.size()) return "expression";
  std::string_view t = source.substr(node.begin, node.end - node.begin);
  if (t.size() <= kMax) return std::string(t);
  std::size_t cut = kMax;
  // Never cut a UTF-8 sequence in half.
  while (cut > 0 && (static_cast<unsigned char>(t[cut]) & 0xC0) == 0x80) --cut;
  return std::string(t.substr(0, cut)) + "...";
}

}  // namespace mm::expr
