#include "orchestrator/expr/json_text.h"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace mm::expr {

namespace {

// encoding/json escapes <, > and & (HTML safety) and U+2028/U+2029 besides control characters.
void quote(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (std::size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == '<' || c == '>' || c == '&') {
      out += "\\u00";
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    } else if (c == 0xE2 && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0x80 &&
               (static_cast<unsigned char>(s[i + 2]) == 0xA8 ||
                static_cast<unsigned char>(s[i + 2]) == 0xA9)) {
      out += static_cast<unsigned char>(s[i + 2]) == 0xA8 ? "\\u2028" : "\\u2029";
      i += 2;
    } else {
      out += static_cast<char>(c);
    }
  }
  out += '"';
}

// encoding/json: shortest digits, 'f' layout unless the exponent is < -6 or >= 21, and
// "e-07" shortened to "e-7".
void number(std::string& out, double f) {
  if (std::isnan(f) || std::isinf(f)) {
    out += "null";  // Go fails here (unsupported value); null keeps toJSON total.
    return;
  }
  double a = std::fabs(f);
  char buf[400];
  std::to_chars_result res{};
  if (a != 0 && (a < 1e-6 || a >= 1e21)) {
    res = std::to_chars(buf, buf + sizeof buf, f, std::chars_format::scientific);
    std::string s(buf, res.ptr);
    auto e = s.find("e-0");
    if (e != std::string::npos) s.erase(e + 2, 1);
    out += s;
    return;
  }
  res = std::to_chars(buf, buf + sizeof buf, f, std::chars_format::fixed);
  out.append(buf, res.ptr);
}

void write(std::string& out, const Value& v, int indent) {
  auto newline = [&](int level) {
    out += '\n';
    out.append(static_cast<std::size_t>(level) * 2, ' ');
  };
  switch (v.type()) {
    case Type::kNil:
      out += "null";
      return;
    case Type::kBool:
      out += v.as_bool() ? "true" : "false";
      return;
    case Type::kInt:
      out += std::to_string(v.as_int());
      return;
    case Type::kFloat:
      number(out, v.as_float());
      return;
    case Type::kString:
      quote(out, v.as_string());
      return;
    case Type::kArray:
      if (v.size() == 0) {
        out += "[]";
        return;
      }
      out += '[';
      for (std::size_t i = 0; i < v.size(); ++i) {
        if (i) out += ',';
        newline(indent + 1);
        write(out, v.at(i), indent + 1);
      }
      newline(indent);
      out += ']';
      return;
    case Type::kMap: {
      if (v.size() == 0) {
        out += "{}";
        return;
      }
      out += '{';
      bool first = true;
      v.for_each_entry([&](std::string_view k, const Value& e) {
        if (!first) out += ',';
        first = false;
        newline(indent + 1);
        quote(out, k);
        out += ": ";
        write(out, e, indent + 1);
      });
      newline(indent);
      out += '}';
      return;
    }
  }
}

}  // namespace

std::string json_text(const Value& v) {
  std::string out;
  write(out, v, 0);
  return out;
}

}  // namespace mm::expr
