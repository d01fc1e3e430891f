#include "orchestrator/batch/batch_validate.h"

#include <set>

#include "orchestrator/batch/window_time.h"
#include "orchestrator/expr/error.h"
#include "orchestrator/expr/program.h"
#include "orchestrator/starlark/error.h"
#include "orchestrator/starlark/placement.h"

namespace mm::batch {
namespace {

[[noreturn]] void fail(const FieldLines* lines, const std::string& field,
                       const std::string& problem, int line_offset = 0) {
  int line = line_of(lines, field);
  if (line > 0) line += line_offset;
  throw BatchError(field, line, problem);
}

// An expression that must select instances: present, and compiling against the instance fields.
void check_expression(const FieldLines* lines, const std::string& field, const std::string& text) {
  if (text.empty()) fail(lines, field, "must not be empty (use \"true\" to match every instance)");
  try {
    (void)expr::compile_include(text);
  } catch (const expr::ExprError& e) {
    // The expression's own line counts from the YAML line of its value.
    fail(lines, field,
         "invalid expression: " + e.message() + " (column " + std::to_string(e.column()) + ")",
         e.line() > 1 ? e.line() - 1 : 0);
  }
}

void check_name(const FieldLines* lines, const std::string& field, const std::string& name,
                std::set<std::string>& seen, const char* what) {
  if (name.empty()) fail(lines, field, "must not be empty");
  if (!seen.insert(name).second) {
    fail(lines, field, std::string("duplicate ") + what + " name \"" + name + "\"");
  }
}

void check_window(const FieldLines* lines, const std::string& at, const MigrationWindow& w) {
  if (is_set(w.start) && is_set(w.end) && w.end <= w.start) {
    fail(lines, at + ".end", "must be after start");
  }
  if (is_set(w.lockout)) {
    if ((is_set(w.start) && w.lockout < w.start) || (is_set(w.end) && w.lockout > w.end)) {
      fail(lines, at + ".lockout", "must be between start and end");
    }
  }
  if (w.capacity < 0) fail(lines, at + ".capacity", "must not be negative");
}

void check_duration(const FieldLines* lines, const std::string& field, std::chrono::nanoseconds d) {
  if (d.count() < 0) fail(lines, field, "must not be negative");
}

}  // namespace

int line_of(const FieldLines* lines, const std::string& field) {
  if (!lines) return 0;
  std::string f = field;
  for (;;) {
    auto it = lines->find(f);
    if (it != lines->end()) return it->second;
    const size_t cut = f.find_last_of(".[");
    if (cut == std::string::npos) return 0;
    f.resize(cut);
  }
}

void validate_batch(const BatchConfig& b, const FieldLines* lines) {
  if (b.name.empty()) fail(lines, "name", "must not be empty");
  if (b.name.find('/') != std::string::npos || b.name == "." || b.name == "..") {
    fail(lines, "name", "\"" + b.name + "\" is not a valid batch name");
  }
  check_expression(lines, "include_expression", b.include_expression);

  std::set<std::string> names;
  for (size_t i = 0; i < b.migration_windows.size(); ++i) {
    const std::string at = "migration_windows[" + std::to_string(i) + "]";
    check_name(lines, at + ".name", b.migration_windows[i].name, names, "window");
    check_window(lines, at, b.migration_windows[i]);
  }

  names.clear();
  for (size_t i = 0; i < b.constraints.size(); ++i) {
    const std::string at = "constraints[" + std::to_string(i) + "]";
    const Constraint& c = b.constraints[i];
    check_name(lines, at + ".name", c.name, names, "constraint");
    check_expression(lines, at + ".include_expression", c.include_expression);
    if (c.max_concurrent_instances < 0) {
      fail(lines, at + ".max_concurrent_instances", "must not be negative");
    }
    check_duration(lines, at + ".min_instance_boot_time", c.min_instance_boot_time);
  }

  if (!b.placement_scriptlet.empty()) {
    try {
      (void)starlark::PlacementScript::compile(b.placement_scriptlet);
    } catch (const starlark::StarlarkError& e) {
      fail(lines, "config.placement_scriptlet",
           "invalid scriptlet: " + e.message() + " (script line " + std::to_string(e.line()) +
               ", column " + std::to_string(e.column()) + ")",
           e.line() > 1 ? e.line() - 1 : 0);
    }
  }
  if (b.post_migration_retries < 0) {
    fail(lines, "config.post_migration_retries", "must not be negative");
  }
  check_duration(lines, "config.background_sync_interval", b.background_sync_interval);
  check_duration(lines, "config.final_background_sync_limit", b.final_background_sync_limit);
}

}  // namespace mm::batch
