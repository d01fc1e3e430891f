// The batch as REST JSON. Reading is strict about names and types (an unknown member is an error
// naming it) and lenient about absence (missing members take their defaults), like the YAML form.
#include "orchestrator/batch/batch_json.h"

#include <cstdint>

#include "common/go_duration.h"
#include "orchestrator/batch/window_time.h"

namespace mm::batch {
namespace {

using nlohmann::json;

// Go's zero time.Time, which the reference writes for an unset lockout or start_date.
constexpr const char* kGoZeroTime = "0001-01-01T00:00:00Z";

[[noreturn]] void fail(const std::string& path, const std::string& why) {
  throw BatchError(path, 0, why);
}

std::string join(const std::string& at, const std::string& key) {
  return at.empty() ? key : at + "." + key;
}

// The members of object `j` (null: none), each checked against `allowed`; `ignored` are read-only
// members of api.Batch that a client may echo back.
std::vector<std::pair<std::string, const json*>> members(
    const json& j, const std::string& at, std::initializer_list<const char*> allowed,
    std::initializer_list<const char*> ignored = {}) {
  std::vector<std::pair<std::string, const json*>> out;
  if (j.is_null()) return out;
  if (!j.is_object()) {
    if (at.empty()) fail("", "the body must be a JSON object");
    fail(at, "must be an object");
  }
  for (auto it = j.begin(); it != j.end(); ++it) {
    bool known = false, skip = false;
    for (const char* a : allowed) known = known || it.key() == a;
    for (const char* a : ignored) skip = skip || it.key() == a;
    if (skip) continue;
    if (!known) fail(join(at, it.key()), "unknown field \"" + it.key() + "\"");
    out.emplace_back(it.key(), &it.value());
  }
  return out;
}

std::string str(const json& j, const std::string& path) {
  if (j.is_null()) return "";
  if (!j.is_string()) fail(path, "must be a string");
  return j.get<std::string>();
}

int64_t integer(const json& j, const std::string& path) {
  if (j.is_null()) return 0;
  if (j.is_number_unsigned() && j.get<uint64_t>() > uint64_t(INT64_MAX)) fail(path, "is too large");
  if (j.is_number_integer()) return j.get<int64_t>();
  fail(path, "must be an integer");
}

bool boolean(const json& j, const std::string& path) {
  if (j.is_null()) return false;
  if (!j.is_boolean()) fail(path, "must be true or false");
  return j.get<bool>();
}

std::chrono::nanoseconds duration(const json& j, const std::string& path) {
  const std::string s = str(j, path);
  if (s.empty()) return std::chrono::nanoseconds(0);
  try {
    return parse_go_duration(s, path);
  } catch (const std::invalid_argument&) {
    fail(path, "\"" + s + "\" is not a duration (e.g. 1h, 30m, 1h30m)");
  }
}

TimePoint time(const json& j, const std::string& path) {
  const std::string s = str(j, path);
  if (s.empty() || s == kGoZeroTime) return TimePoint{};
  auto t = parse_window_time(s);
  if (!t) fail(path, "\"" + s + "\" is not a time (expected RFC 3339, e.g. 2025-12-01T01:00:00Z)");
  return *t;
}

std::string time_text(TimePoint t) {
  return is_set(t) ? format_rfc3339(t) : kGoZeroTime;
}

std::vector<const json*> items(const json& j, const std::string& path) {
  std::vector<const json*> out;
  if (j.is_null()) return out;
  if (!j.is_array()) fail(path, "must be a list");
  for (const auto& e : j) out.push_back(&e);
  return out;
}

}  // namespace

json batch_to_json(const BatchConfig& b) {
  json windows = json::array();
  for (const auto& w : b.migration_windows) {
    windows.push_back({{"name", w.name},
                       {"start", time_text(w.start)},
                       {"end", time_text(w.end)},
                       {"lockout", time_text(w.lockout)},
                       {"capacity", w.capacity}});
  }
  json constraints = json::array();
  for (const auto& c : b.constraints) {
    constraints.push_back(
        {{"name", c.name},
         {"description", c.description},
         {"include_expression", c.include_expression},
         {"max_concurrent_instances", c.max_concurrent_instances},
         {"min_instance_boot_time", c.min_instance_boot_time.count() == 0
                                        ? ""
                                        : format_go_duration(c.min_instance_boot_time)}});
  }
  const RestrictionOverrides& o = b.instance_restriction_overrides;
  json out = {
      {"name", b.name},
      {"include_expression", b.include_expression},
      {"migration_windows", windows},
      {"constraints", constraints},
      {"defaults",
       {{"placement",
         {{"target", b.placement.target},
          {"target_project", b.placement.target_project},
          {"storage_pool", b.placement.storage_pool}}},
        {"migration_network",
         b.migration_network.is_array() ? b.migration_network : json::array()}}},
      {"config",
       {{"rerun_scriptlets", b.rerun_scriptlets},
        {"placement_scriptlet", b.placement_scriptlet},
        {"post_migration_retries", b.post_migration_retries},
        {"instance_restriction_overrides",
         {{"allow_unknown_os", o.allow_unknown_os},
          {"allow_no_ipv4", o.allow_no_ipv4},
          {"allow_no_background_import", o.allow_no_background_import}}},
        {"background_sync_interval", format_go_duration(b.background_sync_interval)},
        {"final_background_sync_limit", format_go_duration(b.final_background_sync_limit)}}}};
  if (!b.kind.empty()) out["config"]["kind"] = b.kind;
  return out;
}

BatchConfig batch_from_json(const json& j) {
  BatchConfig b;
  for (const auto& [k, v] : members(
           j, "",
           {"name", "include_expression", "migration_windows", "constraints", "defaults", "config"},
           {"status", "status_message", "start_date"})) {
    if (k == "name") b.name = str(*v, k);
    if (k == "include_expression") b.include_expression = str(*v, k);
    if (k == "migration_windows") {
      const auto list = items(*v, k);
      for (size_t i = 0; i < list.size(); ++i) {
        const std::string at = "migration_windows[" + std::to_string(i) + "]";
        if (!list[i]->is_object()) fail(at, "must be an object");
        MigrationWindow w;
        for (const auto& [wk, wv] :
             members(*list[i], at, {"name", "start", "end", "lockout", "capacity"})) {
          const std::string p = at + "." + wk;
          if (wk == "name") w.name = str(*wv, p);
          if (wk == "start") w.start = time(*wv, p);
          if (wk == "end") w.end = time(*wv, p);
          if (wk == "lockout") w.lockout = time(*wv, p);
          if (wk == "capacity") w.capacity = integer(*wv, p);
        }
        b.migration_windows.push_back(w);
      }
    }
    if (k == "constraints") {
      const auto list = items(*v, k);
      for (size_t i = 0; i < list.size(); ++i) {
        const std::string at = "constraints[" + std::to_string(i) + "]";
        if (!list[i]->is_object()) fail(at, "must be an object");
        Constraint c;
        for (const auto& [ck, cv] :
             members(*list[i], at,
                     {"name", "description", "include_expression", "max_concurrent_instances",
                      "min_instance_boot_time"})) {
          const std::string p = at + "." + ck;
          if (ck == "name") c.name = str(*cv, p);
          if (ck == "description") c.description = str(*cv, p);
          if (ck == "include_expression") c.include_expression = str(*cv, p);
          if (ck == "max_concurrent_instances") c.max_concurrent_instances = integer(*cv, p);
          if (ck == "min_instance_boot_time") c.min_instance_boot_time = duration(*cv, p);
        }
        b.constraints.push_back(c);
      }
    }
    if (k == "defaults") {
      for (const auto& [dk, dv] : members(*v, "defaults", {"placement", "migration_network"})) {
        if (dk == "placement") {
          for (const auto& [pk, pv] :
               members(*dv, "defaults.placement", {"target", "target_project", "storage_pool"})) {
            const std::string p = "defaults.placement." + pk;
            if (pk == "target") b.placement.target = str(*pv, p);
            if (pk == "target_project") b.placement.target_project = str(*pv, p);
            if (pk == "storage_pool") b.placement.storage_pool = str(*pv, p);
          }
        } else {
          const auto list = items(*dv, "defaults.migration_network");
          for (size_t i = 0; i < list.size(); ++i) {
            const std::string at = "defaults.migration_network[" + std::to_string(i) + "]";
            if (!list[i]->is_object()) fail(at, "must be an object");
            json entry = json::object();
            for (const char* key : kMigrationNetworkKeys) entry[key] = "";
            for (const auto& [nk, nv] : members(
                     *list[i], at, {"network", "nictype", "vlan_id", "target", "target_project"})) {
              entry[nk] = str(*nv, at + "." + nk);
            }
            b.migration_network.push_back(std::move(entry));
          }
        }
      }
    }
    if (k == "config") {
      for (const auto& [ck, cv] :
           members(*v, "config",
                   {"rerun_scriptlets", "placement_scriptlet", "post_migration_retries",
                    "instance_restriction_overrides", "background_sync_interval",
                    "final_background_sync_limit", "kind"})) {
        const std::string p = "config." + ck;
        if (ck == "rerun_scriptlets") b.rerun_scriptlets = boolean(*cv, p);
        if (ck == "placement_scriptlet") b.placement_scriptlet = str(*cv, p);
        if (ck == "post_migration_retries") b.post_migration_retries = integer(*cv, p);
        if (ck == "background_sync_interval") b.background_sync_interval = duration(*cv, p);
        if (ck == "final_background_sync_limit") b.final_background_sync_limit = duration(*cv, p);
        if (ck == "kind") {
          b.kind = str(*cv, p);
          if (b.kind == "warm") b.kind.clear();
          if (!b.kind.empty() && b.kind != "cold") fail(p, "must be \"warm\" or \"cold\"");
        }
        if (ck == "instance_restriction_overrides") {
          RestrictionOverrides& o = b.instance_restriction_overrides;
          for (const auto& [ok, ov] : members(
                   *cv, p, {"allow_unknown_os", "allow_no_ipv4", "allow_no_background_import"})) {
            const std::string op = p + "." + ok;
            if (ok == "allow_unknown_os") o.allow_unknown_os = boolean(*ov, op);
            if (ok == "allow_no_ipv4") o.allow_no_ipv4 = boolean(*ov, op);
            if (ok == "allow_no_background_import") o.allow_no_background_import = boolean(*ov, op);
          }
        }
      }
    }
  }
  if (b.placement.target_project.empty()) b.placement.target_project = "default";
  if (b.placement.storage_pool.empty()) b.placement.storage_pool = "default";
  return b;
}

BatchConfig batch_from_json_text(std::string_view text) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) fail("", "the body is not valid JSON");
  return batch_from_json(j);
}

BatchConfig config_of(const state::BatchRecord& r) {
  BatchConfig b = batch_from_json_text(r.config);
  b.name = r.name;
  return b;
}

json batch_record_to_json(const state::BatchRecord& r) {
  json j = batch_to_json(config_of(r));
  j["status"] = r.status;
  j["status_message"] = r.status_message;
  j["start_date"] = r.start_date.empty() ? kGoZeroTime : r.start_date;
  return j;
}

}  // namespace mm::batch
