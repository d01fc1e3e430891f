// migrate INSTANCE --cold --target T [--project P] [--pool P] [--network-map SRC=DST ...]: a
// one-off cold migration (POST /1.0/migrations, docs/cold-migration.md). The daemon queues it as
// the implicit batch "cold-NAME"; `queue events NAME --follow` shows it move through its stages.
#include <memory>

#include "cli/commands.h"

namespace mm::cli {
namespace {

struct MigrateArgs {
  std::string instance;
  bool cold = false;
  std::string target, project, pool;
  std::vector<std::string> network_map;
};

void migrate(Context& ctx, const MigrateArgs& a) {
  if (!a.cold) {
    throw UsageError(
        "only cold migrations are started here (--cold); warm migrations run in batches "
        "(batch add)");
  }
  Json body = {{"instance", a.instance}, {"kind", "cold"}, {"target", a.target}};
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
  const Json r = ctx.client().call("POST", "/migrations", &body);
  ctx.out << "Successfully queued cold migration of " << go_quote(a.instance) << " as batch "
          << go_quote(text_of(r, "batch")) << ".\n"
          << "Follow it with: migration-manager queue events " << go_quote(a.instance)
          << " --follow\n";
}

}  // namespace

void add_migrate_commands(CLI::App& app, Context& ctx) {
  auto a = std::make_shared<MigrateArgs>();
  CLI::App* c = app.add_subcommand(
      "migrate", "Migrate one instance now, cold: source powered off, disks copied in one pass");
  c->add_option("instance", a->instance, "Instance name or UUID")->required();
  c->add_flag("--cold", a->cold, "Cold migration (the only kind started here)");
  c->add_option("--target", a->target, "Target name")->required();
  c->add_option("--project", a->project, "Target project (default: default)");
  c->add_option("--pool", a->pool, "Target storage pool (default: default)");
  c->add_option("--network-map", a->network_map,
                "SOURCE=TARGET: the source network's NICs go to this target network (repeatable)");
  c->callback([&ctx, a] { migrate(ctx, *a); });
}

}  // namespace mm::cli
