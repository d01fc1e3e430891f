#include "cli/format.h"

#include <algorithm>
#include <cstdio>
#include <regex>

#include "cli/context.h"

namespace mm::cli {
namespace {

bool looks_like_number(const std::string& s) {
  static const std::regex re(R"([-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?)");
  static const std::regex hex(R"([-+]?0[xXoObB][0-9a-fA-F_]+)");
  return std::regex_match(s, re) || std::regex_match(s, hex);
}

// Words YAML 1.1 or 1.2 readers would take for something other than a string.
bool resolves_to_non_string(const std::string& s) {
  static const char* words[] = {"true",  "false", "True", "False", "TRUE", "FALSE", "yes",
                                "no",    "Yes",   "No",   "YES",   "NO",   "on",    "off",
                                "On",    "Off",   "ON",   "OFF",   "y",    "n",     "Y",
                                "N",     "null",  "Null", "NULL",  "~",    ".inf",  "-.inf",
                                "+.inf", ".Inf",  ".INF", ".nan",  ".NaN", ".NAN"};
  for (const char* w : words) {
    if (s == w) return true;
  }
  return looks_like_number(s);
}

bool needs_double_quotes(const std::string& s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) return true;
  }
  return false;
}

// Whether libyaml would refuse `s` as a plain scalar in block context.
bool plain_unsafe(const std::string& s) {
  if (s.empty()) return true;
  const std::string lead = "-?:,[]{}#&*!|>'\"%@`";
  if (lead.find(s[0]) != std::string::npos) {
    // "-x", "?x", ":x" are fine; alone or before a space they start YAML syntax.
    if (!((s[0] == '-' || s[0] == '?' || s[0] == ':') && s.size() > 1 && s[1] != ' ')) return true;
  }
  if (s.front() == ' ' || s.back() == ' ' || s.back() == ':') return true;
  if (s.find(": ") != std::string::npos || s.find(" #") != std::string::npos) return true;
  return false;
}

std::string double_quoted(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\x%02X", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

std::string scalar(const std::string& s) {
  if (s.empty()) return "\"\"";
  if (needs_double_quotes(s)) return double_quoted(s);
  if (resolves_to_non_string(s)) return double_quoted(s);
  if (plain_unsafe(s)) {
    std::string out = "'";
    for (char c : s) out += c == '\'' ? std::string("''") : std::string(1, c);
    return out + "'";
  }
  return s;
}

std::string scalar_of(const Json& v) {
  if (v.is_null()) return "null";
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  if (v.is_number()) return v.dump();
  return scalar(v.get<std::string>());
}

bool is_block(const Json& v) {
  return (v.is_object() || v.is_array()) && !v.empty();
}

bool multiline(const Json& v) {
  return v.is_string() && v.get<std::string>().find('\n') != std::string::npos;
}

void emit(const Json& v, int indent, std::string& out);

// A literal block scalar ("|" keeps the final newline, "|-" strips its absence).
void emit_literal(const std::string& s, int indent, std::string& out) {
  out += s.back() == '\n' ? "|\n" : "|-\n";
  size_t start = 0;
  while (start < s.size()) {
    size_t nl = s.find('\n', start);
    if (nl == std::string::npos) nl = s.size();
    const std::string line = s.substr(start, nl - start);
    out += (line.empty() ? "" : std::string(indent, ' ') + line) + "\n";
    start = nl + 1;
  }
}

void emit_value_after_key(const Json& v, int indent, std::string& out) {
  if (is_block(v)) {
    out += "\n";
    emit(v, indent + 4, out);
  } else if (multiline(v)) {
    out += " ";
    emit_literal(v.get<std::string>(), indent + 4, out);
  } else if (v.is_object()) {
    out += " {}\n";
  } else if (v.is_array()) {
    out += " []\n";
  } else {
    out += " " + scalar_of(v) + "\n";
  }
}

void emit(const Json& v, int indent, std::string& out) {
  const std::string pad(indent, ' ');
  if (v.is_object()) {
    if (v.empty()) {
      out += pad + "{}\n";
      return;
    }
    for (auto it = v.begin(); it != v.end(); ++it) {
      out += pad + scalar(it.key()) + ":";
      emit_value_after_key(it.value(), indent, out);
    }
  } else if (v.is_array()) {
    if (v.empty()) {
      out += pad + "[]\n";
      return;
    }
    for (const auto& item : v) {
      if (is_block(item)) {
        // The first line of the item goes after "- ", the rest lines up under it.
        std::string inner;
        emit(item, indent + 2, inner);
        out += pad + "- " + inner.substr(static_cast<size_t>(indent) + 2);
      } else if (multiline(item)) {
        out += pad + "- ";
        emit_literal(item.get<std::string>(), indent + 4, out);
      } else if (item.is_object()) {
        out += pad + "- {}\n";
      } else if (item.is_array()) {
        out += pad + "- []\n";
      } else {
        out += pad + "- " + scalar_of(item) + "\n";
      }
    }
  } else if (multiline(v)) {
    emit_literal(v.get<std::string>(), indent, out);
  } else {
    out += pad + scalar_of(v) + "\n";
  }
}

}  // namespace

std::string to_yaml(const Json& value) {
  std::string out;
  emit(value, 0, out);
  return out;
}

void validate_format(const std::string& format) {
  const std::string base = format.substr(0, format.find(','));
  if (base != "table" && base != "compact" && base != "csv" && base != "json" && base != "yaml") {
    throw UsageError("Invalid format \"" + format +
                     "\": must be one of table, compact, csv, json, yaml");
  }
  size_t pos = format.find(',');
  while (pos != std::string::npos) {
    const size_t next = format.find(',', pos + 1);
    const std::string opt =
        format.substr(pos + 1, next == std::string::npos ? next : next - pos - 1);
    if (opt != "noheader" && opt != "header") {
      throw UsageError("Invalid format option \"" + opt + "\": must be noheader or header");
    }
    pos = next;
  }
}

std::string csv_line(const Row& fields) {
  std::string out;
  for (size_t i = 0; i < fields.size(); ++i) {
    const std::string& f = fields[i];
    const bool quote = f.find_first_of(",\"\r\n") != std::string::npos ||
                       (!f.empty() && (f[0] == ' ' || f[0] == '\t'));
    if (i) out += ",";
    if (quote) {
      out += "\"";
      for (char c : f) out += c == '"' ? std::string("\"\"") : std::string(1, c);
      out += "\"";
    } else {
      out += f;
    }
  }
  return out + "\n";
}

std::string render_list(const std::string& format, const Row& header, const std::vector<Row>& rows,
                        const Json& raw) {
  validate_format(format);
  const std::string base = format.substr(0, format.find(','));
  const bool noheader = format.find(",noheader") != std::string::npos;
  const bool with_header = format.find(",header") != std::string::npos;
  const Row shown = noheader ? Row{} : header;
  if (base == "table") return render_table(shown, rows);
  if (base == "compact") return render_compact(shown, rows);
  if (base == "json") return raw.dump() + "\n";
  if (base == "yaml") return to_yaml(raw);
  // csv: no header line unless asked for, as the reference prints it.
  std::string out = with_header ? csv_line(header) : "";
  for (const auto& r : rows) out += csv_line(r);
  return out;
}

std::string iec_size(int64_t bytes) {
  if (bytes < 1024) return std::to_string(bytes) + "B";
  double v = static_cast<double>(bytes);
  const char* units[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  for (const char* u : units) {
    v /= 1024;
    if (v < 1024 || std::string(u) == "EiB") {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%.2f%s", v, u);
      return buf;
    }
  }
  return std::to_string(bytes) + "B";
}

std::string go_time_string(const std::string& t) {
  static const std::regex re(
      R"((\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|z|[+-]\d{2}:?\d{2}))");
  std::smatch m;
  if (!std::regex_match(t, m, re)) return t;
  std::string frac = m[3].str();
  while (!frac.empty() && frac.back() == '0') frac.pop_back();
  std::string out = m[1].str() + " " + m[2].str() + (frac.empty() ? "" : "." + frac);
  std::string zone = m[4].str();
  if (zone == "Z" || zone == "z") return out + " +0000 UTC";
  zone.erase(std::remove(zone.begin(), zone.end(), ':'), zone.end());
  // Go names a parsed numeric zone by its offset.
  return out + " " + zone + " " + zone;
}

}  // namespace mm::cli
