// Splits an expression into tokens, decoding number and string literals.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mm::expr {

enum class TokenKind { kEnd, kIdentifier, kInt, kFloat, kString, kOperator, kBracket };

struct Token {
  TokenKind kind = TokenKind::kEnd;
  std::string text;  // identifier, operator or bracket; decoded contents of a string literal
  std::int64_t int_value = 0;
  double float_value = 0;
  std::size_t begin = 0;  // byte offsets into the source
  std::size_t end = 0;

  bool is(TokenKind k, std::string_view t) const { return kind == k && text == t; }
  bool is_op(std::string_view t) const { return is(TokenKind::kOperator, t); }
  bool is_bracket(std::string_view t) const { return is(TokenKind::kBracket, t); }
};

// "end of input", "')'", "identifier 'foo'", ... for "expected X but found Y" messages.
std::string describe(const Token& t);

// Throws ExprError on a malformed literal or an unexpected character. The last token is kEnd.
std::vector<Token> lex(std::string_view source);

}  // namespace mm::expr
