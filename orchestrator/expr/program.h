// Include expressions: compile once, evaluate against many instance records.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "orchestrator/expr/ast.h"
#include "orchestrator/expr/error.h"
#include "orchestrator/expr/instance_fields.h"
#include "orchestrator/expr/value.h"

namespace mm::expr {

class Program {
 public:
  // Any top-level name is accepted; names missing from the environment evaluate to nil.
  static Program compile(std::string_view source);
  // Top-level names outside `known_fields` are compile errors, so that a typo can never silently
  // match nothing: "line 1, column 1: unknown name 'locaton' (did you mean 'location'?)".
  static Program compile(std::string_view source, std::span<const std::string_view> known_fields);

  // Evaluates against `env`, a JSON object whose members are the top-level names. Thread-safe:
  // a compiled program is immutable. Throws ExprError.
  Value run(const nlohmann::json& env) const;

  const std::string& source() const { return source_; }

 private:
  Program(std::string source, NodePtr root);

  std::string source_;
  std::shared_ptr<const Node> root_;  // shared so that programs copy cheaply
};

// Compiles an include expression strictly against kInstanceFields.
Program compile_include(std::string_view source);

// Runs an include expression on one instance record; the result must be a bool.
bool matches_instance(const Program& program, const nlohmann::json& instance);

}  // namespace mm::expr
