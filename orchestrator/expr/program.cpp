#include "orchestrator/expr/program.h"

#include "orchestrator/expr/evaluator.h"
#include "orchestrator/expr/parser.h"

namespace mm::expr {

Program::Program(std::string source, NodePtr root)
    : source_(std::move(source)), root_(std::move(root)) {}

Program Program::compile(std::string_view source) {
  return Program(std::string(source), parse(source, nullptr));
}

Program Program::compile(std::string_view source, std::span<const std::string_view> known_fields) {
  return Program(std::string(source), parse(source, &known_fields));
}

Value Program::run(const nlohmann::json& env) const {
  if (!env.is_object()) throw ExprError(1, 1, "the environment must be a JSON object");
  return evaluate(*root_, source_, env);
}

Program compile_include(std::string_view source) {
  return Program::compile(source, kInstanceFields);
}

bool matches_instance(const Program& program, const nlohmann::json& instance) {
  Value v = program.run(instance);
  if (v.type() != Type::kBool)
    throw ExprError(
        1, 1,
        "include expression must evaluate to a boolean, got " + std::string(type_name(v.type())));
  return v.as_bool();
}

}  // namespace mm::expr
