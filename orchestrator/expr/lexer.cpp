#include "orchestrator/expr/lexer.h"

#include <charconv>
#include <cstdlib>
#include <limits>

#include "orchestrator/expr/error.h"

namespace mm::expr {

namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_ident_start(char c) {
  // Bytes >= 0x80 let UTF-8 letters through, as expr-lang accepts Unicode identifiers.
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '$' ||
         static_cast<unsigned char>(c) >= 0x80;
}
bool is_ident_char(char c) {
  return is_ident_start(c) || is_digit(c);
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

class Lexer {
 public:
  explicit Lexer(std::string_view src) : src_(src) {}

  std::vector<Token> run() {
    std::vector<Token> out;
    for (;;) {
      skip_space_and_comments();
      Token t;
      t.begin = pos_;
      if (pos_ >= src_.size()) {
        t.kind = TokenKind::kEnd;
        t.end = pos_;
        out.push_back(std::move(t));
        return out;
      }
      char c = src_[pos_];
      if (is_digit(c) ||
          (c == '.' && pos_ + 1 < src_.size() && is_digit(src_[pos_ + 1]) && !after_operand(out))) {
        number(t);
      } else if (c == '"' || c == '\'') {
        quoted(t, c);
      } else if (c == '`') {
        raw(t);
      } else if (is_ident_start(c)) {
        while (pos_ < src_.size() && is_ident_char(src_[pos_])) ++pos_;
        t.kind = TokenKind::kIdentifier;
        t.text = std::string(src_.substr(t.begin, pos_ - t.begin));
      } else {
        punctuation(t);
      }
      t.end = pos_;
      out.push_back(std::move(t));
    }
  }

 private:
  [[noreturn]] void fail(std::size_t at, std::string msg) {
    throw error_at(src_, at, std::move(msg));
  }

  void skip_space_and_comments() {
    while (pos_ < src_.size()) {
      char c = src_[pos_];
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
        ++pos_;
      } else if (src_.substr(pos_, 2) == "//") {
        while (pos_ < src_.size() && src_[pos_] != '\n') ++pos_;
      } else if (src_.substr(pos_, 2) == "/*") {
        auto close = src_.find("*/", pos_ + 2);
        if (close == std::string_view::npos) fail(pos_, "unterminated comment");
        pos_ = close + 2;
      } else {
        return;
      }
    }
  }

  // Digits of `base`, with '_' separators as Go allows; returns them without separators.
  std::string digits(int base) {
    std::string out;
    while (pos_ < src_.size()) {
      char c = src_[pos_];
      int v = hex_value(c);
      if (c == '_') {
        ++pos_;
        continue;
      }
      if (v < 0 || v >= base) break;
      out += c;
      ++pos_;
    }
    return out;
  }

  // ".5" is a float literal only where an operand may start; after an operand '.' is member access.
  static bool after_operand(const std::vector<Token>& out) {
    if (out.empty()) return false;
    const Token& p = out.back();
    return p.kind == TokenKind::kIdentifier || p.kind == TokenKind::kInt ||
           p.kind == TokenKind::kFloat || p.kind == TokenKind::kString || p.is_bracket(")") ||
           p.is_bracket("]") || p.is_bracket("}");
  }

  void number(Token& t) {
    std::size_t start = pos_;
    int base = 10;
    if (src_[pos_] == '.') {
      // ".5": a fraction without integer digits.
      ++pos_;
      std::string text = "0." + digits(10);
      exponent(text);
      t.kind = TokenKind::kFloat;
      t.float_value = std::strtod(text.c_str(), nullptr);
      if (pos_ < src_.size() && is_ident_char(src_[pos_]))
        fail(pos_, "invalid number literal: unexpected '" + std::string(1, src_[pos_]) + "'");
      t.text = std::string(src_.substr(start, pos_ - start));
      return;
    }
    if (src_[pos_] == '0' && pos_ + 1 < src_.size()) {
      char p = src_[pos_ + 1];
      if (p == 'x' || p == 'X') base = 16;
      if (p == 'o' || p == 'O') base = 8;
      if (p == 'b' || p == 'B') base = 2;
      if (base != 10) pos_ += 2;
    }
    std::string text = digits(base);
    if (base != 10) {
      if (text.empty()) fail(start, "invalid number literal: no digits after base prefix");
      int_literal(t, start, text, base);
    } else {
      bool is_float = false;
      // "1..5" is a range, and "1.foo" a member access: only '.' followed by a digit is a fraction.
      if (pos_ + 1 < src_.size() && src_[pos_] == '.' && is_digit(src_[pos_ + 1])) {
        ++pos_;
        text += '.';
        text += digits(10);
        is_float = true;
      }
      if (exponent(text)) is_float = true;
      if (is_float) {
        t.kind = TokenKind::kFloat;
        t.float_value = std::strtod(text.c_str(), nullptr);
      } else {
        int_literal(t, start, text, 10);
      }
    }
    if (pos_ < src_.size() && is_ident_char(src_[pos_]))
      fail(pos_, "invalid number literal: unexpected '" + std::string(1, src_[pos_]) + "'");
    t.text = std::string(src_.substr(start, pos_ - start));
  }

  // Appends an exponent ("e+3") to `text` if one follows; false if none.
  bool exponent(std::string& text) {
    if (pos_ >= src_.size() || (src_[pos_] != 'e' && src_[pos_] != 'E')) return false;
    std::size_t save = pos_;
    std::string exp = "e";
    ++pos_;
    if (pos_ < src_.size() && (src_[pos_] == '+' || src_[pos_] == '-')) exp += src_[pos_++];
    std::string d = digits(10);
    if (d.empty()) {
      pos_ = save;
      return false;
    }
    text += exp + d;
    return true;
  }

  void int_literal(Token& t, std::size_t start, const std::string& text, int base) {
    std::uint64_t v = 0;
    auto res = std::from_chars(text.data(), text.data() + text.size(), v, base);
    // Negative literals are unary minus applied to a positive one, so the positive range applies.
    if (res.ec != std::errc() ||
        v > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
      fail(start, "invalid integer literal: value out of range");
    t.kind = TokenKind::kInt;
    t.int_value = static_cast<std::int64_t>(v);
  }

  void quoted(Token& t, char quote) {
    ++pos_;
    std::string out;
    for (;;) {
      if (pos_ >= src_.size()) fail(t.begin, "unterminated string literal");
      char c = src_[pos_];
      if (c == quote) {
        ++pos_;
        break;
      }
      if (c != '\\') {
        out += c;
        ++pos_;
        continue;
      }
      std::size_t esc = pos_;
      ++pos_;
      if (pos_ >= src_.size()) fail(t.begin, "unterminated string literal");
      char e = src_[pos_++];
      switch (e) {
        case 'a':
          out += '\a';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'v':
          out += '\v';
          break;
        case '\\':
        case '\'':
        case '"':
        case '`':
          out += e;
          break;
        case 'x':
          out += static_cast<char>(hex_escape(esc, 2));
          break;
        case 'u':
          code_point(out, esc, hex_escape(esc, 4));
          break;
        case 'U':
          code_point(out, esc, hex_escape(esc, 8));
          break;
        default:
          if (e >= '0' && e <= '7') {
            std::uint32_t v = static_cast<std::uint32_t>(e - '0');
            for (int i = 0; i < 2; ++i) {
              if (pos_ >= src_.size() || src_[pos_] < '0' || src_[pos_] > '7')
                fail(esc, "invalid escape sequence: octal escape needs three digits");
              v = v * 8 + static_cast<std::uint32_t>(src_[pos_++] - '0');
            }
            if (v > 255) fail(esc, "invalid escape sequence: octal value above 255");
            out += static_cast<char>(v);
          } else {
            fail(esc, "invalid escape sequence '\\" + std::string(1, e) + "'");
          }
      }
    }
    t.kind = TokenKind::kString;
    t.text = std::move(out);
  }

  std::uint32_t hex_escape(std::size_t esc, int n) {
    std::uint32_t v = 0;
    for (int i = 0; i < n; ++i) {
      if (pos_ >= src_.size() || hex_value(src_[pos_]) < 0)
        fail(esc, "invalid escape sequence: expected " + std::to_string(n) + " hex digits");
      v = v * 16 + static_cast<std::uint32_t>(hex_value(src_[pos_++]));
    }
    return v;
  }

  void code_point(std::string& out, std::size_t esc, std::uint32_t cp) {
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
      fail(esc, "invalid escape sequence: not a Unicode code point");
    append_utf8(out, cp);
  }

  void raw(Token& t) {
    auto close = src_.find('`', pos_ + 1);
    if (close == std::string_view::npos) fail(t.begin, "unterminated string literal");
    t.kind = TokenKind::kString;
    t.text = std::string(src_.substr(pos_ + 1, close - pos_ - 1));
    pos_ = close + 1;
  }

  void punctuation(Token& t) {
    static constexpr std::string_view kTwo[] = {
        "?.", "??", "..", "**", "==", "!=", "<=", ">=", "&&", "||"};
    for (auto op : kTwo) {
      if (src_.substr(pos_, 2) == op) {
        t.kind = TokenKind::kOperator;
        t.text = std::string(op);
        pos_ += 2;
        return;
      }
    }
    char c = src_[pos_];
    static constexpr std::string_view kOne = "!<>+-*/%^?:.,#";
    static constexpr std::string_view kBrackets = "()[]{}";
    if (kOne.find(c) != std::string_view::npos) {
      t.kind = TokenKind::kOperator;
    } else if (kBrackets.find(c) != std::string_view::npos) {
      t.kind = TokenKind::kBracket;
    } else if (c == '|') {
      fail(pos_, "the pipe operator '|' is not supported");
    } else if (c == '=') {
      fail(pos_, "unexpected '=': use '==' to compare");
    } else if (c == '&') {
      fail(pos_, "unexpected '&': use '&&' or 'and'");
    } else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      fail(pos_, "unexpected control character");
    } else {
      fail(pos_, "unexpected character '" + std::string(1, c) + "'");
    }
    t.text = std::string(1, c);
    ++pos_;
  }

  std::string_view src_;
  std::size_t pos_ = 0;
};

}  // namespace

std::string describe(const Token& t) {
  switch (t.kind) {
    case TokenKind::kEnd:
      return "end of input";
    case TokenKind::kIdentifier:
      return "'" + t.text + "'";
    case TokenKind::kInt:
    case TokenKind::kFloat:
      return "number " + t.text;
    case TokenKind::kString:
      return "string literal";
    default:
      return "'" + t.text + "'";
  }
}

std::vector<Token> lex(std::string_view source) {
  return Lexer(source).run();
}

}  // namespace mm::expr
