// preflight INSTANCE... | --batch NAME: Pass / Warn / Fail per instance with each check and its
// reason (POST /1.0/preflight, docs/preflight.md). Exit status 1 when any instance fails.
#include <map>
#include <memory>
#include <vector>

#include "cli/commands.h"

namespace mm::cli {
namespace {

struct PreflightArgs {
  std::vector<std::string> instances;
  std::string batch, target, project, pool, format = "table";
  std::vector<std::string> network_map;
  bool warm = false;
};

std::string check_label(const std::string& check) {
  static const std::map<std::string, std::string> kLabels = {{"change_tracking", "Change tracking"},
                                                             {"guest_os", "Guest OS"},
                                                             {"ipv4", "IPv4"},
                                                             {"disks", "Disks"},
                                                             {"target", "Target"},
                                                             {"storage_pool", "Storage pool"},
                                                             {"project_limits", "Project limits"},
                                                             {"networks", "Network"},
                                                             {"name", "Name on target"},
                                                             {"copy_time", "Estimated copy time"}};
  auto it = kLabels.find(check);
  return it == kLabels.end() ? check : it->second;
}

void preflight(Context& ctx, const PreflightArgs& a) {
  validate_format(a.format);
  if (a.instances.empty() == a.batch.empty()) {
    throw UsageError("give instance names or --batch NAME (not both)");
  }
  Json body = Json::object();
  if (!a.batch.empty()) {
    body["batch"] = a.batch;
  } else {
    body["instances"] = a.instances;
    body["kind"] = a.warm ? "warm" : "cold";
  }
  if (!a.target.empty()) body["target"] = a.target;
  if (!a.project.empty()) body["project"] = a.project;
  if (!a.pool.empty()) body["pool"] = a.pool;
  Json map = Json::object();
  for (const std::string& m : a.network_map) {
    const size_t eq = m.find('=');
    if (eq == 0 || eq == std::string::npos || eq + 1 == m.size()) {
      throw UsageError("--network-map " + go_quote(m) + ": expected SOURCE=TARGET");
    }
    map[m.substr(0, eq)] = m.substr(eq + 1);
  }
  if (!map.empty()) body["network_map"] = map;
  const Json r = ctx.client().call("POST", "/preflight", &body);
  const Json instances = r.contains("instances") ? r["instances"] : Json::array();
  bool failed = false;
  std::vector<Row> rows;
  for (const auto& inst : instances) {
    const std::string verdict = text_of(inst, "verdict");
    failed = failed || verdict == "Fail";
    bool first = true;
    for (const auto& c : inst.contains("checks") ? inst["checks"] : Json::array()) {
      rows.push_back({first ? text_of(inst, "instance") : "", first ? verdict : "",
                      check_label(text_of(c, "check")), text_of(c, "result"),
                      text_of(c, "reason")});
      first = false;
    }
  }
  // The checks keep the daemon's order (not sorted): they read as a list per instance.
  ctx.out << render_list(a.format, {"Instance", "Verdict", "Check", "Result", "Reason"}, rows, r);
  if (failed && a.format.rfind("json", 0) != 0 && a.format.rfind("yaml", 0) != 0) {
    throw PlainError("Preflight failed for at least one instance.");
  }
  if (failed) throw PlainError("");
}

}  // namespace

void add_preflight_commands(CLI::App& app, Context& ctx) {
  auto a = std::make_shared<PreflightArgs>();
  CLI::App* c = app.add_subcommand(
      "preflight", "Check instances (or a batch) before migrating: Pass, Warn or Fail per check");
  c->add_option("instances", a->instances, "Instance names or UUIDs");
  c->add_option("--batch", a->batch,
                "Check every instance the batch matches, as it would place them");
  c->add_option("--target", a->target, "Target (default: the only one)");
  c->add_option("--project", a->project, "Target project (default: default)");
  c->add_option("--pool", a->pool, "Target storage pool (default: default)");
  c->add_option("--network-map", a->network_map, "SOURCE=TARGET network mapping (repeatable)");
  c->add_flag("--warm", a->warm, "Check for a warm migration (default: cold)");
  add_format_option(c, a->format);
  c->callback([&ctx, a] { preflight(ctx, *a); });
}

}  // namespace mm::cli
