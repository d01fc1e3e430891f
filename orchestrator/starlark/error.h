// Errors of the Starlark interpreter: every one carries file, line and column.
#pragma once

#include <stdexcept>
#include <string>

namespace mm::starlark {

struct Position {
  int line = 0;  // 1-based; 0 means "not known yet"
  int col = 0;   // 1-based
};

// Thrown by compile and run. what() is "file:line:col: message".
class StarlarkError : public std::runtime_error {
 public:
  StarlarkError(std::string file, Position pos, std::string message, std::string unsupported = {});

  const std::string& file() const { return file_; }
  int line() const { return pos_.line; }
  int column() const { return pos_.col; }
  const std::string& message() const { return message_; }
  // Non-empty when the script used a feature outside the supported subset (e.g. "set", "big int"),
  // so callers can tell "not supported here" from "wrong script".
  const std::string& unsupported() const { return unsupported_; }

 private:
  std::string file_;
  Position pos_;
  std::string message_;
  std::string unsupported_;
};

// Internal: raised by value operations and builtins that do not know the source position; the
// evaluator attaches the position of the expression being evaluated.
class EvalError : public std::exception {
 public:
  explicit EvalError(std::string message, std::string unsupported = {})
      : message(std::move(message)), unsupported(std::move(unsupported)) {}
  const char* what() const noexcept override { return message.c_str(); }

  std::string message;
  std::string unsupported;
  Position pos;                 // set by the innermost expression that saw it
  const void* where = nullptr;  // the Module whose source `pos` refers to
};

[[noreturn]] void fail_unsupported(const std::string& feature);

}  // namespace mm::starlark
