// The one exception type of the expression library: every compile and runtime error carries the
// line and column (1-based, in characters) of the source it points at.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>

namespace mm::expr {

class ExprError : public std::runtime_error {
 public:
  // what() is "line L, column C: message".
  ExprError(int line, int column, std::string message);

  int line() const { return line_; }
  int column() const { return column_; }
  const std::string& message() const { return message_; }

 private:
  int line_;
  int column_;
  std::string message_;
};

// An error at byte `offset` of `source`, converted to line and column.
ExprError error_at(std::string_view source, std::size_t offset, std::string message);

// The source line of an error with a caret under its column, for command-line messages.
std::string caret_excerpt(std::string_view source, const ExprError& error);

}  // namespace mm::expr
