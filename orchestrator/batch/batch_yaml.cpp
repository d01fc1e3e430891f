// The batch YAML reader and writer. Reading walks yaml-cpp's node tree against the fixed shape of
// the document, so an unknown or misspelt key is an error rather than silently ignored, and records
// each field's line for validate_batch. Writing is by hand: the documents' layout (2-space list
// items, 4-space nested mappings, include_expression always quoted) is not yaml-cpp's emitter's.
#include "orchestrator/batch/batch_yaml.h"

#include <yaml-cpp/yaml.h>

#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <set>

#include "common/go_duration.h"
#include "orchestrator/batch/batch_json.h"
#include "orchestrator/batch/batch_validate.h"
#include "orchestrator/batch/window_time.h"

namespace mm::batch {
namespace {

using std::chrono::nanoseconds;

// Strict UTF-8 (no overlongs, surrogates or code points past U+10FFFF): the JSON the batch becomes
// can hold nothing else.
bool valid_utf8(const std::string& s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t n = 0;
    uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    }
    if ((c & 0xE0) == 0xC0) {
      n = 1;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      n = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    for (size_t k = 1; k <= n; ++k) {
      if (i + k >= s.size()) return false;
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    static constexpr uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += n + 1;
  }
  return true;
}

class Reader {
 public:
  explicit Reader(std::string_view text) : text_(text) {}

  FieldLines lines;

  static int line(const YAML::Node& n) {
    const int l = n.Mark().line;
    return l < 0 ? 0 : l + 1;
  }

  [[noreturn]] void fail(const YAML::Node& n, const std::string& path, const std::string& why) {
    throw BatchError(path, line(n), why);
  }

  // The members of mapping `n` (null: none), each key checked against `allowed`.
  std::vector<std::pair<std::string, YAML::Node>> members(
      const YAML::Node& n, const std::string& path, std::initializer_list<const char*> allowed) {
    std::vector<std::pair<std::string, YAML::Node>> out;
    if (!n || n.IsNull()) return out;
    if (!n.IsMap()) {
      if (path.empty()) throw BatchError("", line(n), "the document must be a YAML mapping");
      fail(n, path, "must be a mapping");
    }
    std::set<std::string> seen;
    for (const auto& kv : n) {
      if (!kv.first.IsScalar()) fail(kv.first, path, "keys must be plain names");
      const std::string key = kv.first.Scalar();
      const std::string at = path.empty() ? key : path + "." + key;
      bool known = false;
      for (const char* a : allowed) known = known || key == a;
      if (!known) fail(kv.first, at, "unknown field \"" + key + "\"");
      if (!seen.insert(key).second) fail(kv.first, at, "duplicate field \"" + key + "\"");
      lines[at] = line(kv.second.IsNull() ? kv.first : kv.second);
      out.emplace_back(key, kv.second);
    }
    return out;
  }

  std::vector<YAML::Node> items(const YAML::Node& n, const std::string& path) {
    std::vector<YAML::Node> out;
    if (!n || n.IsNull()) return out;
    if (!n.IsSequence()) fail(n, path, "must be a list");
    for (size_t i = 0; i < n.size(); ++i) {
      lines[path + "[" + std::to_string(i) + "]"] = line(n[i]);
      out.push_back(n[i]);
    }
    return out;
  }

  std::string str(const YAML::Node& n, const std::string& path) {
    if (n.IsNull()) return "";
    if (!n.IsScalar()) fail(n, path, "must be a string");
    if (!valid_utf8(n.Scalar())) fail(n, path, "is not valid UTF-8");
    return n.Scalar();
  }

  int64_t integer(const YAML::Node& n, const std::string& path) {
    if (n.IsNull()) return 0;
    if (!n.IsScalar()) fail(n, path, "must be a number");
    const std::string s = n.Scalar();
    char* end = nullptr;
    errno = 0;
    const long long v = std::strtoll(s.c_str(), &end, 10);
    if (s.empty() || *end != '\0' || errno == ERANGE) {
      fail(n, path, "\"" + s + "\" is not an integer");
    }
    return v;
  }

  bool boolean(const YAML::Node& n, const std::string& path) {
    if (n.IsNull()) return false;
    if (n.IsScalar()) {
      const std::string s = n.Scalar();
      if (s == "true" || s == "True" || s == "TRUE") return true;
      if (s == "false" || s == "False" || s == "FALSE") return false;
      fail(n, path, "\"" + s + "\" is not true or false");
    }
    fail(n, path, "must be true or false");
  }

  nanoseconds duration(const YAML::Node& n, const std::string& path) {
    const std::string s = str(n, path);
    if (s.empty()) return nanoseconds(0);  // "empty for never", as the reference documents say
    try {
      return parse_go_duration(s, path);
    } catch (const std::invalid_argument&) {
      fail(n, path, "\"" + s + "\" is not a duration (e.g. 1h, 30m, 1h30m)");
    }
  }

  TimePoint time(const YAML::Node& n, const std::string& path) {
    const std::string s = str(n, path);
    if (s.empty()) return TimePoint{};
    auto t = parse_window_time(s);
    if (!t) fail(n, path, "\"" + s + "\" is not a time (expected YYYY-MM-DD HH:MM:SS)");
    return *t;
  }

  // A block scalar's value starts on the line after its '|' or '>' indicator.
  void note_block_start(const YAML::Node& n, const std::string& path) {
    const int pos = n.Mark().pos;
    if (pos >= 0 && static_cast<size_t>(pos) < text_.size() &&
        (text_[pos] == '|' || text_[pos] == '>')) {
      lines[path] = line(n) + 1;
    }
  }

 private:
  std::string_view text_;
};

MigrationWindow read_window(Reader& r, const YAML::Node& n, const std::string& at) {
  MigrationWindow w;
  for (const auto& [k, v] : r.members(n, at, {"name", "start", "end", "lockout", "capacity"})) {
    const std::string p = at + "." + k;
    if (k == "name") w.name = r.str(v, p);
    if (k == "start") w.start = r.time(v, p);
    if (k == "end") w.end = r.time(v, p);
    if (k == "lockout") w.lockout = r.time(v, p);
    if (k == "capacity") w.capacity = r.integer(v, p);
  }
  if (!n.IsMap()) r.fail(n, at, "must be a mapping");
  return w;
}

Constraint read_constraint(Reader& r, const YAML::Node& n, const std::string& at) {
  Constraint c;
  for (const auto& [k, v] : r.members(n, at,
                                      {"name", "description", "include_expression",
                                       "max_concurrent_instances", "min_instance_boot_time"})) {
    const std::string p = at + "." + k;
    if (k == "name") c.name = r.str(v, p);
    if (k == "description") c.description = r.str(v, p);
    if (k == "include_expression") c.include_expression = r.str(v, p);
    if (k == "max_concurrent_instances") c.max_concurrent_instances = r.integer(v, p);
    if (k == "min_instance_boot_time") c.min_instance_boot_time = r.duration(v, p);
  }
  if (!n.IsMap()) r.fail(n, at, "must be a mapping");
  return c;
}

void read_defaults(Reader& r, const YAML::Node& n, BatchConfig& b) {
  for (const auto& [k, v] : r.members(n, "defaults", {"placement", "migration_network"})) {
    if (k == "placement") {
      for (const auto& [pk, pv] :
           r.members(v, "defaults.placement", {"target", "target_project", "storage_pool"})) {
        const std::string p = "defaults.placement." + pk;
        if (pk == "target") b.placement.target = r.str(pv, p);
        if (pk == "target_project") b.placement.target_project = r.str(pv, p);
        if (pk == "storage_pool") b.placement.storage_pool = r.str(pv, p);
      }
    } else {
      const auto list = r.items(v, "defaults.migration_network");
      for (size_t i = 0; i < list.size(); ++i) {
        const std::string at = "defaults.migration_network[" + std::to_string(i) + "]";
        if (!list[i].IsMap()) r.fail(list[i], at, "must be a mapping");
        nlohmann::json entry = nlohmann::json::object();
        for (const char* key : kMigrationNetworkKeys) entry[key] = "";
        for (const auto& [nk, nv] : r.members(
                 list[i], at, {"network", "nictype", "vlan_id", "target", "target_project"})) {
          entry[nk] = r.str(nv, at + "." + nk);
        }
        b.migration_network.push_back(std::move(entry));
      }
    }
  }
}

void read_config(Reader& r, const YAML::Node& n, BatchConfig& b) {
  for (const auto& [k, v] :
       r.members(n, "config",
                 {"rerun_scriptlets", "placement_scriptlet", "post_migration_retries",
                  "instance_restriction_overrides", "background_sync_interval",
                  "final_background_sync_limit"})) {
    const std::string p = "config." + k;
    if (k == "rerun_scriptlets") b.rerun_scriptlets = r.boolean(v, p);
    if (k == "placement_scriptlet") {
      b.placement_scriptlet = r.str(v, p);
      r.note_block_start(v, p);
    }
    if (k == "post_migration_retries") b.post_migration_retries = r.integer(v, p);
    if (k == "background_sync_interval") b.background_sync_interval = r.duration(v, p);
    if (k == "final_background_sync_limit") b.final_background_sync_limit = r.duration(v, p);
    if (k == "instance_restriction_overrides") {
      RestrictionOverrides& o = b.instance_restriction_overrides;
      for (const auto& [ok, ov] :
           r.members(v, p, {"allow_unknown_os", "allow_no_ipv4", "allow_no_background_import"})) {
        const std::string op = p + "." + ok;
        if (ok == "allow_unknown_os") o.allow_unknown_os = r.boolean(ov, op);
        if (ok == "allow_no_ipv4") o.allow_no_ipv4 = r.boolean(ov, op);
        if (ok == "allow_no_background_import") o.allow_no_background_import = r.boolean(ov, op);
      }
    }
  }
}

// ---- writing ----

bool is_number_like(const std::string& s) {
  const char* p = s.c_str();
  if (*p == '+' || *p == '-') ++p;
  if (*p == '.') {
    std::string rest = p + 1;
    for (auto& c : rest) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (rest == "inf" || rest == "nan") return true;
  }
  if (!(*p >= '0' && *p <= '9') && *p != '.') return false;
  char* end = nullptr;
  (void)std::strtod(p, &end);
  if (end && *end == '\0') return true;
  return p[0] == '0' && (p[1] == 'x' || p[1] == 'o' || p[1] == 'b');
}

// Whether `s` can be written as a plain scalar and read back as the same string.
bool plain_ok(const std::string& s) {
  if (s.empty()) return false;
  if (std::string("-?:,[]{}#&*!|>'\"%@`").find(s.front()) != std::string::npos) return false;
  if (s.front() == ' ' || s.back() == ' ' || s.back() == ':') return false;
  if (s.find(": ") != std::string::npos || s.find(" #") != std::string::npos) return false;
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) return false;
  }
  std::string lower = s;
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  static const std::set<std::string> kReserved = {"true", "false", "yes", "no", "on", "off",
                                                  "null", "~",     "y",   "n",  "<<"};
  if (kReserved.count(lower)) return false;
  return !is_number_like(s);
}

std::string quoted(const std::string& s) {
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
          static const char* kHex = "0123456789abcdef";
          out += "\\x";
          out += kHex[c >> 4];
          out += kHex[c & 15];
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

std::string scalar(const std::string& s) {
  return plain_ok(s) ? s : quoted(s);
}

// A literal block (`|`) keeps a scriptlet readable; only text that a block reproduces exactly
// qualifies, anything else is double-quoted.
bool block_ok(const std::string& s) {
  if (s.find('\n') == std::string::npos) return false;
  bool first_content = true;
  size_t start = 0;
  while (start < s.size()) {
    size_t nl = s.find('\n', start);
    if (nl == std::string::npos) nl = s.size();
    const std::string line = s.substr(start, nl - start);
    const bool blank = line.find_first_not_of(" \t") == std::string::npos;
    if (blank && !line.empty()) return false;  // whitespace-only lines do not survive a block
    if (!blank && first_content) {
      if (line.front() == ' ' || line.front() == '\t') return false;  // would shift the indent
      first_content = false;
    }
    for (unsigned char c : line) {
      if ((c < 0x20 && c != '\t') || c == 0x7f) return false;
    }
    start = nl + 1;
  }
  return !first_content;  // at least one line with content
}

void write_block(std::string& out, const std::string& s, int indent) {
  size_t trailing = 0;
  while (trailing < s.size() && s[s.size() - 1 - trailing] == '\n') ++trailing;
  out += trailing == 0 ? "|-\n" : trailing == 1 ? "|\n" : "|+\n";
  const std::string body = s.substr(0, s.size() - trailing);
  size_t start = 0;
  while (start <= body.size()) {
    size_t nl = body.find('\n', start);
    if (nl == std::string::npos) nl = body.size();
    const std::string line = body.substr(start, nl - start);
    if (!line.empty()) out += std::string(indent, ' ') + line;
    out += "\n";
    start = nl + 1;
  }
  for (size_t i = 1; i < trailing; ++i) out += "\n";
}

}  // namespace

std::string format_short_duration(nanoseconds d) {
  if (d.count() == 0) return "0s";
  uint64_t v =
      d.count() < 0 ? 0 - static_cast<uint64_t>(d.count()) : static_cast<uint64_t>(d.count());
  std::string out = d.count() < 0 ? "-" : "";
  struct Unit {
    const char* name;
    uint64_t ns;
  };
  static constexpr Unit kUnits[] = {{"h", 3600000000000ull}, {"m", 60000000000ull},
                                    {"s", 1000000000ull},    {"ms", 1000000ull},
                                    {"us", 1000ull},         {"ns", 1ull}};
  for (const Unit& u : kUnits) {
    if (v >= u.ns) {
      out += std::to_string(v / u.ns) + u.name;
      v %= u.ns;
    }
  }
  return out;
}

BatchConfig parse_batch_yaml(std::string_view text) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    throw BatchError("", e.mark.line < 0 ? 0 : e.mark.line + 1, "invalid YAML: " + e.msg);
  }
  if (!root || root.IsNull()) throw BatchError("", 0, "the document is empty");
  Reader r(text);
  BatchConfig b;
  bool has_name = false;
  try {
    for (const auto& [k, v] : r.members(root, "",
                                        {"name", "include_expression", "migration_windows",
                                         "constraints", "defaults", "config"})) {
      if (k == "name") {
        b.name = r.str(v, k);
        has_name = true;
      }
      if (k == "include_expression") b.include_expression = r.str(v, k);
      if (k == "migration_windows") {
        const auto list = r.items(v, k);
        for (size_t i = 0; i < list.size(); ++i) {
          b.migration_windows.push_back(
              read_window(r, list[i], "migration_windows[" + std::to_string(i) + "]"));
        }
      }
      if (k == "constraints") {
        const auto list = r.items(v, k);
        for (size_t i = 0; i < list.size(); ++i) {
          b.constraints.push_back(
              read_constraint(r, list[i], "constraints[" + std::to_string(i) + "]"));
        }
      }
      if (k == "defaults") read_defaults(r, v, b);
      if (k == "config") read_config(r, v, b);
    }
  } catch (const YAML::Exception& e) {  // e.g. a bad conversion deep in a node
    throw BatchError("", e.mark.line < 0 ? 0 : e.mark.line + 1, "invalid YAML: " + e.msg);
  }
  if (!has_name) throw BatchError("name", 0, "is required");
  // As the reference daemon does: an empty project or pool is the "default" one.
  if (b.placement.target_project.empty()) b.placement.target_project = "default";
  if (b.placement.storage_pool.empty()) b.placement.storage_pool = "default";
  validate_batch(b, &r.lines);
  return b;
}

std::string batch_to_yaml(const BatchConfig& b) {
  std::string o;
  o += "name: " + scalar(b.name) + "\n";
  o += "include_expression: " + quoted(b.include_expression) + "\n";
  o += "migration_windows:";
  if (b.migration_windows.empty()) o += " []";
  o += "\n";
  for (const auto& w : b.migration_windows) {
    o += "  - name: " + scalar(w.name) + "\n";
    if (is_set(w.start)) o += "    start: " + format_window_time_yaml(w.start) + "\n";
    if (is_set(w.end)) o += "    end: " + format_window_time_yaml(w.end) + "\n";
    if (is_set(w.lockout)) o += "    lockout: " + format_window_time_yaml(w.lockout) + "\n";
    if (w.capacity != 0) o += "    capacity: " + std::to_string(w.capacity) + "\n";
  }
  o += "constraints:";
  if (b.constraints.empty()) o += " []";
  o += "\n";
  for (const auto& c : b.constraints) {
    o += "  - name: " + scalar(c.name) + "\n";
    if (!c.description.empty()) o += "    description: " + scalar(c.description) + "\n";
    o += "    include_expression: " + scalar(c.include_expression) + "\n";
    if (c.max_concurrent_instances != 0) {
      o += "    max_concurrent_instances: " + std::to_string(c.max_concurrent_instances) + "\n";
    }
    if (c.min_instance_boot_time.count() != 0) {
      o += "    min_instance_boot_time: " + format_short_duration(c.min_instance_boot_time) + "\n";
    }
  }
  o += "defaults:\n";
  o += "    placement:\n";
  o += "        target: " + scalar(b.placement.target) + "\n";
  o += "        target_project: " + scalar(b.placement.target_project) + "\n";
  o += "        storage_pool: " + scalar(b.placement.storage_pool) + "\n";
  o += "    migration_network:";
  if (!b.migration_network.is_array() || b.migration_network.empty()) o += " []";
  o += "\n";
  if (b.migration_network.is_array()) {
    for (const auto& n : b.migration_network) {
      const char* lead = "      - ";
      for (const char* key : kMigrationNetworkKeys) {
        const std::string v = n.is_object() && n.contains(key) && n[key].is_string()
                                  ? n[key].get<std::string>()
                                  : std::string();
        o += std::string(lead) + key + ": " + scalar(v) + "\n";
        lead = "        ";
      }
    }
  }
  o += "config:\n";
  o += std::string("    rerun_scriptlets: ") + (b.rerun_scriptlets ? "true" : "false") + "\n";
  o += "    placement_scriptlet: ";
  if (block_ok(b.placement_scriptlet)) {
    write_block(o, b.placement_scriptlet, 8);
  } else {
    o += quoted(b.placement_scriptlet) + "\n";
  }
  o += "    post_migration_retries: " + std::to_string(b.post_migration_retries) + "\n";
  const RestrictionOverrides& ro = b.instance_restriction_overrides;
  o += "    instance_restriction_overrides:\n";
  o += std::string("        allow_unknown_os: ") + (ro.allow_unknown_os ? "true" : "false") + "\n";
  o += std::string("        allow_no_ipv4: ") + (ro.allow_no_ipv4 ? "true" : "false") + "\n";
  o += std::string("        allow_no_background_import: ") +
       (ro.allow_no_background_import ? "true" : "false") + "\n";
  o += "    background_sync_interval: " + format_short_duration(b.background_sync_interval) + "\n";
  o += "    final_background_sync_limit: " + format_short_duration(b.final_background_sync_limit) +
       "\n";
  return o;
}

}  // namespace mm::batch
