#include "orchestrator/starlark/lexer.h"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <unordered_map>

#include "orchestrator/starlark/utf8.h"

namespace mm::starlark {

const char* tok_name(Tok t) {
  switch (t) {
    case Tok::Eof: return "end of file";
    case Tok::Newline: return "newline";
    case Tok::Indent: return "indent";
    case Tok::Outdent: return "outdent";
    case Tok::Name: return "identifier";
    case Tok::Int: return "int literal";
    case Tok::Float: return "float literal";
    case Tok::String: return "string literal";
    case Tok::And: return "and";
    case Tok::Break: return "break";
    case Tok::Continue: return "continue";
    case Tok::Def: return "def";
    case Tok::Elif: return "elif";
    case Tok::Else: return "else";
    case Tok::For: return "for";
    case Tok::If: return "if";
    case Tok::In: return "in";
    case Tok::Lambda: return "lambda";
    case Tok::Load: return "load";
    case Tok::Not: return "not";
    case Tok::Or: return "or";
    case Tok::Pass: return "pass";
    case Tok::Return: return "return";
    case Tok::While: return "while";
    case Tok::Plus: return "+";
    case Tok::Minus: return "-";
    case Tok::Star: return "*";
    case Tok::Slash: return "/";
    case Tok::SlashSlash: return "//";
    case Tok::Percent: return "%";
    case Tok::StarStar: return "**";
    case Tok::Amp: return "&";
    case Tok::Pipe: return "|";
    case Tok::Caret: return "^";
    case Tok::Tilde: return "~";
    case Tok::LtLt: return "<<";
    case Tok::GtGt: return ">>";
    case Tok::Dot: return ".";
    case Tok::Comma: return ",";
    case Tok::Semi: return ";";
    case Tok::Colon: return ":";
    case Tok::LParen: return "(";
    case Tok::RParen: return ")";
    case Tok::LBrack: return "[";
    case Tok::RBrack: return "]";
    case Tok::LBrace: return "{";
    case Tok::RBrace: return "}";
    case Tok::Eq: return "=";
    case Tok::PlusEq: return "+=";
    case Tok::MinusEq: return "-=";
    case Tok::StarEq: return "*=";
    case Tok::SlashEq: return "/=";
    case Tok::SlashSlashEq: return "//=";
    case Tok::PercentEq: return "%=";
    case Tok::AmpEq: return "&=";
    case Tok::PipeEq: return "|=";
    case Tok::CaretEq: return "^=";
    case Tok::LtLtEq: return "<<=";
    case Tok::GtGtEq: return ">>=";
    case Tok::EqEq: return "==";
    case Tok::NotEq: return "!=";
    case Tok::Lt: return "<";
    case Tok::Gt: return ">";
    case Tok::Le: return "<=";
    case Tok::Ge: return ">=";
  }
  return "?";
}

namespace {

const std::unordered_map<std::string, Tok>& keywords() {
  static const std::unordered_map<std::string, Tok> k = {
      {"and", Tok::And},   {"break", Tok::Break},   {"continue", Tok::Continue},
      {"def", Tok::Def},   {"elif", Tok::Elif},     {"else", Tok::Else},
      {"for", Tok::For},   {"if", Tok::If},         {"in", Tok::In},
      {"lambda", Tok::Lambda}, {"load", Tok::Load}, {"not", Tok::Not},
      {"or", Tok::Or},     {"pass", Tok::Pass},     {"return", Tok::Return},
      {"while", Tok::While}};
  return k;
}

bool is_reserved(const std::string& s) {
  static const char* const words[] = {"as",     "class",  "del",      "except", "finally",
                                      "from",   "global", "import",   "is",     "nonlocal",
                                      "raise",  "try",    "with",     "yield"};
  for (const char* w : words)
    if (s == w) return true;
  return false;
}

class Lexer {
 public:
  Lexer(const std::string& src, const std::string& file) : src_(src), file_(file) {}

  std::vector<Token> run() {
    indents_.push_back(0);
    bool at_line_start = true;
    while (true) {
      if (at_line_start && depth_ == 0) {
        if (!handle_indentation()) break;  // EOF
        at_line_start = false;
      }
      skip_space();
      if (i_ >= src_.size()) break;
      char c = src_[i_];
      if (c == '#') {
        while (i_ < src_.size() && src_[i_] != '\n') ++i_;
        continue;
      }
      if (c == '\\') {
        if (i_ + 1 < src_.size() && src_[i_ + 1] == '\n') {
          i_ += 2;
          newline();
          continue;
        }
        if (i_ + 2 < src_.size() && src_[i_ + 1] == '\r' && src_[i_ + 2] == '\n') {
          i_ += 3;
          newline();
          continue;
        }
        error(pos(), "stray backslash in program");
      }
      if (c == '\n' || c == '\r') {
        Position p = pos();
        if (c == '\r' && i_ + 1 < src_.size() && src_[i_ + 1] == '\n') ++i_;
        ++i_;
        newline();
        if (depth_ == 0) {
          if (!toks_.empty() && toks_.back().kind != Tok::Newline &&
              toks_.back().kind != Tok::Indent && toks_.back().kind != Tok::Outdent)
            push(Tok::Newline, p);
          at_line_start = true;
        }
        continue;
      }
      scan_token();
    }
    Position p = pos();
    if (depth_ == 0 && !toks_.empty() && toks_.back().kind != Tok::Newline &&
        toks_.back().kind != Tok::Outdent)
      push(Tok::Newline, p);
    while (indents_.size() > 1) {
      indents_.pop_back();
      push(Tok::Outdent, p);
    }
    push(Tok::Eof, p);
    return std::move(toks_);
  }

 private:
  [[noreturn]] void error(Position p, const std::string& msg) {
    throw StarlarkError(file_, p, msg);
  }
  Position pos() const { return Position{line_, static_cast<int>(i_ - line_start_) + 1}; }
  void newline() {
    ++line_;
    line_start_ = i_;
  }
  void push(Tok k, Position p) {
    Token t;
    t.kind = k;
    t.pos = p;
    toks_.push_back(std::move(t));
  }
  void skip_space() {
    while (i_ < src_.size() && (src_[i_] == ' ' || src_[i_] == '\t' || src_[i_] == '\f')) ++i_;
  }

  // Measures the indentation of the next non-blank line and emits INDENT/OUTDENT.
  // Returns false at end of input.
  bool handle_indentation() {
    while (true) {
      int col = 0;
      while (i_ < src_.size() && (src_[i_] == ' ' || src_[i_] == '\t' || src_[i_] == '\f')) {
        col = src_[i_] == '\t' ? (col / 8 + 1) * 8 : col + 1;
        ++i_;
      }
      if (i_ >= src_.size()) return false;
      char c = src_[i_];
      if (c == '#') {
        while (i_ < src_.size() && src_[i_] != '\n') ++i_;
        continue;
      }
      if (c == '\r' || c == '\n') {
        if (c == '\r' && i_ + 1 < src_.size() && src_[i_ + 1] == '\n') ++i_;
        ++i_;
        newline();
        continue;
      }
      Position p = pos();
      if (col > indents_.back()) {
        indents_.push_back(col);
        push(Tok::Indent, p);
      } else {
        while (col < indents_.back()) {
          indents_.pop_back();
          push(Tok::Outdent, p);
        }
        if (col != indents_.back()) error(p, "unindent does not match any outer indentation level");
      }
      return true;
    }
  }

  void scan_token() {
    Position p = pos();
    char c = src_[i_];
    unsigned char uc = static_cast<unsigned char>(c);
    if (std::isalpha(uc) || c == '_' || uc >= 0x80) {
      // String prefixes r, b, rb, br.
      size_t j = i_;
      bool raw = false, bytes = false;
      while (j < src_.size() && j - i_ < 2 &&
             (src_[j] == 'r' || src_[j] == 'R' || src_[j] == 'b' || src_[j] == 'B')) {
        if (src_[j] == 'r' || src_[j] == 'R') raw = true;
        else bytes = true;
        ++j;
      }
      if (j > i_ && j < src_.size() && (src_[j] == '\'' || src_[j] == '"')) {
        if (bytes) {
          Token t;
          t.pos = p;
          throw StarlarkError(file_, p, "unsupported feature: bytes literals", "bytes");
        }
        i_ = j;
        scan_string(p, raw);
        return;
      }
      size_t start = i_;
      while (i_ < src_.size()) {
        unsigned char d = static_cast<unsigned char>(src_[i_]);
        if (std::isalnum(d) || d == '_' || d >= 0x80) ++i_;
        else break;
      }
      std::string word = src_.substr(start, i_ - start);
      auto it = keywords().find(word);
      if (it != keywords().end()) {
        push(it->second, p);
        return;
      }
      if (is_reserved(word)) error(p, "keyword " + word + " is reserved");
      Token t;
      t.kind = Tok::Name;
      t.pos = p;
      t.text = std::move(word);
      toks_.push_back(std::move(t));
      return;
    }
    if (std::isdigit(uc) || (c == '.' && i_ + 1 < src_.size() &&
                             std::isdigit(static_cast<unsigned char>(src_[i_ + 1])))) {
      scan_number(p);
      return;
    }
    if (c == '\'' || c == '"') {
      scan_string(p, false);
      return;
    }
    if (c == '(' || c == '[' || c == '{') {
      ++depth_;
      if (depth_ > 200) error(p, "brackets nested too deeply");
    } else if (c == ')' || c == ']' || c == '}') {
      if (depth_ > 0) --depth_;
    }
    struct Op {
      const char* text;
      Tok kind;
    };
    static const Op ops[] = {
        {"//=", Tok::SlashSlashEq}, {"<<=", Tok::LtLtEq}, {">>=", Tok::GtGtEq},
        {"**", Tok::StarStar},      {"//", Tok::SlashSlash}, {"<<", Tok::LtLt},
        {">>", Tok::GtGt},          {"+=", Tok::PlusEq},   {"-=", Tok::MinusEq},
        {"*=", Tok::StarEq},        {"/=", Tok::SlashEq},  {"%=", Tok::PercentEq},
        {"&=", Tok::AmpEq},         {"|=", Tok::PipeEq},   {"^=", Tok::CaretEq},
        {"==", Tok::EqEq},          {"!=", Tok::NotEq},    {"<=", Tok::Le},
        {">=", Tok::Ge},            {"+", Tok::Plus},      {"-", Tok::Minus},
        {"*", Tok::Star},           {"/", Tok::Slash},     {"%", Tok::Percent},
        {"&", Tok::Amp},            {"|", Tok::Pipe},      {"^", Tok::Caret},
        {"~", Tok::Tilde},          {".", Tok::Dot},       {",", Tok::Comma},
        {";", Tok::Semi},           {":", Tok::Colon},     {"(", Tok::LParen},
        {")", Tok::RParen},         {"[", Tok::LBrack},    {"]", Tok::RBrack},
        {"{", Tok::LBrace},         {"}", Tok::RBrace},    {"=", Tok::Eq},
        {"<", Tok::Lt},             {">", Tok::Gt},
    };
    for (const Op& op : ops) {
      size_t n = std::char_traits<char>::length(op.text);
      if (src_.compare(i_, n, op.text) == 0) {
        i_ += n;
        push(op.kind, p);
        return;
      }
    }
    if (c == '!') error(p, "unexpected input character '!' (use 'not')");
    error(p, std::string("unexpected input character ") +
                 (std::isprint(uc) ? std::string("'") + c + "'" : "#" + std::to_string(uc)));
  }

  void scan_number(Position p) {
    size_t start = i_;
    Token t;
    t.pos = p;
    auto digits = [&](auto pred) {
      while (i_ < src_.size() && (pred(static_cast<unsigned char>(src_[i_])) || src_[i_] == '_'))
        ++i_;
    };
    if (src_[i_] == '0' && i_ + 1 < src_.size() &&
        (std::string("xXoObB").find(src_[i_ + 1]) != std::string::npos)) {
      char kind = static_cast<char>(std::tolower(static_cast<unsigned char>(src_[i_ + 1])));
      i_ += 2;
      size_t dstart = i_;
      int base = kind == 'x' ? 16 : kind == 'o' ? 8 : 2;
      digits([](unsigned char d) { return std::isxdigit(d) != 0; });
      std::string body;
      for (size_t k = dstart; k < i_; ++k)
        if (src_[k] != '_') body += src_[k];
      if (body.empty()) error(p, "invalid int literal");
      unsigned __int128 v = 0;
      for (char d : body) {
        int dv = std::isdigit(static_cast<unsigned char>(d)) ? d - '0' : std::tolower(d) - 'a' + 10;
        if (dv >= base) error(p, "invalid int literal");
        v = v * base + dv;
        if (v > static_cast<unsigned __int128>(INT64_MAX)) t.big_int = true, v = 0;
      }
      t.kind = Tok::Int;
      t.int_value = static_cast<int64_t>(v);
      toks_.push_back(std::move(t));
      return;
    }
    digits([](unsigned char d) { return std::isdigit(d) != 0; });
    bool is_float = false;
    if (i_ < src_.size() && src_[i_] == '.') {
      is_float = true;
      ++i_;
      digits([](unsigned char d) { return std::isdigit(d) != 0; });
    }
    if (i_ < src_.size() && (src_[i_] == 'e' || src_[i_] == 'E')) {
      size_t save = i_;
      ++i_;
      if (i_ < src_.size() && (src_[i_] == '+' || src_[i_] == '-')) ++i_;
      if (i_ < src_.size() && std::isdigit(static_cast<unsigned char>(src_[i_]))) {
        is_float = true;
        digits([](unsigned char d) { return std::isdigit(d) != 0; });
      } else {
        i_ = save;
      }
    }
    std::string text;
    for (size_t k = start; k < i_; ++k)
      if (src_[k] != '_') text += src_[k];
    if (is_float) {
      t.kind = Tok::Float;
      t.float_value = std::strtod(text.c_str(), nullptr);
      if (std::isinf(t.float_value)) error(p, "floating-point literal too large");
    } else {
      if (text.size() > 1 && text[0] == '0') {
        for (char d : text)
          if (d != '0') error(p, "obsolete form of octal literal; use 0o" + text.substr(1));
      }
      t.kind = Tok::Int;
      unsigned __int128 v = 0;
      for (char d : text) {
        v = v * 10 + static_cast<unsigned>(d - '0');
        if (v > static_cast<unsigned __int128>(INT64_MAX)) {
          t.big_int = true;
          v = 0;
        }
      }
      t.int_value = static_cast<int64_t>(v);
    }
    toks_.push_back(std::move(t));
  }

  void scan_string(Position p, bool raw) {
    char q = src_[i_];
    bool triple = src_.compare(i_, 3, std::string(3, q)) == 0;
    i_ += triple ? 3 : 1;
    std::string out;
    while (true) {
      if (i_ >= src_.size()) error(p, "unexpected EOF in string");
      char c = src_[i_];
      if (c == q) {
        if (!triple) {
          ++i_;
          break;
        }
        if (src_.compare(i_, 3, std::string(3, q)) == 0) {
          i_ += 3;
          break;
        }
        out += c;
        ++i_;
        continue;
      }
      if (c == '\n' || c == '\r') {
        if (!triple) error(p, "unexpected newline in string");
        if (c == '\r' && i_ + 1 < src_.size() && src_[i_ + 1] == '\n') ++i_;
        ++i_;
        newline();
        out += '\n';
        continue;
      }
      if (c != '\\') {
        out += c;
        ++i_;
        continue;
      }
      // Escape sequence.
      if (i_ + 1 >= src_.size()) error(p, "unexpected EOF in string");
      char e = src_[i_ + 1];
      if (raw) {
        if (e == '\n') {
          out += "\\\n";
          i_ += 2;
          newline();
        } else {
          out += '\\';
          out += e;
          i_ += 2;
        }
        continue;
      }
      i_ += 2;
      switch (e) {
        case '\n': newline(); break;
        case '\r':
          if (i_ < src_.size() && src_[i_] == '\n') ++i_;
          newline();
          break;
        case 'a': out += '\a'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'v': out += '\v'; break;
        case '\\': out += '\\'; break;
        case '\'': out += '\''; break;
        case '"': out += '"'; break;
        case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7': {
          int v = e - '0';
          for (int k = 0; k < 2 && i_ < src_.size() && src_[i_] >= '0' && src_[i_] <= '7'; ++k)
            v = v * 8 + (src_[i_++] - '0');
          // Like go.starlark.net, a byte escape may be non-ASCII: strings are byte strings.
          if (v > 255) {
            const char oct[] = {'\\', char('0' + (v >> 6)), char('0' + ((v >> 3) & 7)),
                                char('0' + (v & 7)), 0};
            error(p, std::string("invalid escape sequence ") + oct);
          }
          out += static_cast<char>(v);
          break;
        }
        case 'x': {
          if (i_ + 2 > src_.size() || !std::isxdigit(static_cast<unsigned char>(src_[i_])) ||
              !std::isxdigit(static_cast<unsigned char>(src_[i_ + 1])))
            error(p, "invalid escape sequence \\x");
          int v = std::stoi(src_.substr(i_, 2), nullptr, 16);
          i_ += 2;
          out += static_cast<char>(v);
          break;
        }
        case 'u':
        case 'U': {
          size_t n = e == 'u' ? 4 : 8;
          if (i_ + n > src_.size()) error(p, "incomplete \\" + std::string(1, e) + " escape");
          uint32_t v = 0;
          for (size_t k = 0; k < n; ++k) {
            unsigned char d = static_cast<unsigned char>(src_[i_ + k]);
            if (!std::isxdigit(d)) error(p, "invalid escape sequence \\" + std::string(1, e));
            v = v * 16 + static_cast<uint32_t>(std::isdigit(d) ? d - '0' : std::tolower(d) - 'a' + 10);
          }
          i_ += n;
          if (v > 0x10FFFF || (v >= 0xD800 && v < 0xE000))
            error(p, "invalid Unicode code point in escape");
          utf8_append(out, v);
          break;
        }
        default:
          error(p, std::string("invalid escape sequence \\") + e);
      }
    }
    Token t;
    t.kind = Tok::String;
    t.pos = p;
    t.text = std::move(out);
    toks_.push_back(std::move(t));
  }

  const std::string& src_;
  const std::string& file_;
  size_t i_ = 0;
  size_t line_start_ = 0;
  int line_ = 1;
  int depth_ = 0;
  std::vector<int> indents_;
  std::vector<Token> toks_;
};

}  // namespace

std::vector<Token> tokenize(const std::string& source, const std::string& filename) {
  return Lexer(source, filename).run();
}

}  // namespace mm::starlark
