// Tokenizer for Starlark: Python-style indentation becomes INDENT/OUTDENT tokens.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "orchestrator/starlark/error.h"

namespace mm::starlark {

enum class Tok {
  Eof, Newline, Indent, Outdent,
  Name, Int, Float, String,
  // keywords
  And, Break, Continue, Def, Elif, Else, For, If, In, Lambda, Load, Not, Or, Pass, Return, While,
  // punctuation
  Plus, Minus, Star, Slash, SlashSlash, Percent, StarStar, Amp, Pipe, Caret, Tilde, LtLt, GtGt,
  Dot, Comma, Semi, Colon, LParen, RParen, LBrack, RBrack, LBrace, RBrace,
  Eq, PlusEq, MinusEq, StarEq, SlashEq, SlashSlashEq, PercentEq, AmpEq, PipeEq, CaretEq, LtLtEq,
  GtGtEq, EqEq, NotEq, Lt, Gt, Le, Ge,
};

const char* tok_name(Tok t);

struct Token {
  Tok kind = Tok::Eof;
  Position pos;
  std::string text;      // identifier name or decoded string literal
  int64_t int_value = 0;
  double float_value = 0;
  bool big_int = false;  // integer literal beyond 64 bits (outside the subset)
};

// Throws StarlarkError on malformed input.
std::vector<Token> tokenize(const std::string& source, const std::string& filename);

}  // namespace mm::starlark
