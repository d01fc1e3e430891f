#include "orchestrator/expr/error.h"

namespace mm::expr {

namespace {

std::string describe(int line, int column, const std::string& message) {
  return "line " + std::to_string(line) + ", column " + std::to_string(column) + ": " + message;
}

bool is_continuation(char c) {
  return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

}  // namespace

ExprError::ExprError(int line, int column, std::string message)
    : std::runtime_error(describe(line, column, message)),
      line_(line),
      column_(column),
      message_(std::move(message)) {}

ExprError error_at(std::string_view source, std::size_t offset, std::string message) {
  if (offset > source.size()) offset = source.size();
  int line = 1;
  int column = 1;
  for (std::size_t i = 0; i < offset; ++i) {
    if (source[i] == '\n') {
      ++line;
      column = 1;
    } else if (!is_continuation(source[i])) {
      // Columns count characters, not UTF-8 bytes.
      ++column;
    }
  }
  return ExprError(line, column, std::move(message));
}

std::string caret_excerpt(std::string_view source, const ExprError& error) {
  std::size_t start = 0;
  for (int line = 1; line < error.line(); ++line) {
    auto nl = source.find('\n', start);
    if (nl == std::string_view::npos) return "";
    start = nl + 1;
  }
  auto end = source.find('\n', start);
  std::string_view text = source.substr(start, end == std::string_view::npos ? end : end - start);
  return std::string(text) + "\n" +
         std::string(static_cast<std::size_t>(error.column() > 0 ? error.column() - 1 : 0), ' ') +
         "^";
}

}  // namespace mm::expr
