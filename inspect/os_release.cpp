#include "inspect/os_release.h"

#include "inspect/text.h"

namespace mm::inspect {
namespace {

constexpr size_t kMaxValue = 256;

bool is_key_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

// The value after '=': shell-like quoting as os-release(5) allows it.
std::string unquote(std::string_view v) {
  v = trim(v);
  if (v.empty() || (v.front() != '"' && v.front() != '\'')) return std::string(v);
  const char quote = v.front();
  std::string out;
  for (size_t i = 1; i < v.size(); ++i) {
    const char c = v[i];
    if (c == quote) break;
    if (quote == '"' && c == '\\' && i + 1 < v.size()) {
      const char next = v[i + 1];
      if (next == '"' || next == '\\' || next == '$' || next == '`') {
        out += next;
        ++i;
        continue;
      }
    }
    out += c;
  }
  return out;
}

}  // namespace

OsRelease parse_os_release(std::string_view text) {
  OsRelease r;
  while (!text.empty()) {
    const size_t nl = text.find('\n');
    std::string_view line = trim(text.substr(0, nl));
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    if (line.empty() || line.front() == '#') continue;
    const size_t eq = line.find('=');
    if (eq == std::string_view::npos || eq == 0) continue;
    const std::string_view key = line.substr(0, eq);
    bool valid = true;
    for (char c : key) valid = valid && is_key_char(c);
    if (!valid) continue;
    std::string value = unquote(line.substr(eq + 1));
    if (value.size() > kMaxValue) value.resize(kMaxValue);
    value = clean_text(value);
    if (key == "ID") {
      r.id = value;
    } else if (key == "NAME") {
      r.name = value;
    } else if (key == "VERSION_ID") {
      r.version_id = value;
    } else if (key == "PRETTY_NAME") {
      r.pretty_name = value;
    }
  }
  return r;
}

}  // namespace mm::inspect
