// instance list | show, instance override show | edit | remove
#include <memory>

#include "cli/commands.h"
#include "cli/edit_schemas.h"
#include "cli/editor.h"
#include "cli/yaml_input.h"
#include "common/percent_encoding.h"

namespace mm::cli {
namespace {

// The override as the editor shows it: every field, in the reference's order.
Json override_document(const Json& o) {
  const Json p = o.is_object() ? o.value("properties", Json::object()) : Json::object();
  auto num = [](const Json& obj, const char* k) {
    return obj.contains(k) && obj[k].is_number_integer() ? obj[k].get<int64_t>() : 0;
  };
  auto flag = [](const Json& obj, const char* k) {
    return obj.contains(k) && obj[k].is_boolean() && obj[k].get<bool>();
  };
  Json doc = Json::object();
  if (!text_of(o, "last_update").empty()) doc["last_update"] = text_of(o, "last_update");
  doc["comment"] = text_of(o, "comment");
  doc["disable_migration"] = flag(o, "disable_migration");
  doc["ignore_restrictions"] = flag(o, "ignore_restrictions");
  doc["properties"] = {
      {"name", text_of(p, "name")},
      {"description", text_of(p, "description")},
      {"cpus", num(p, "cpus")},
      {"memory", num(p, "memory")},
      {"config", p.contains("config") && p["config"].is_object() ? p["config"] : Json::object()},
      {"os", text_of(p, "os")},
      {"os_version", text_of(p, "os_version")},
      {"architecture", text_of(p, "architecture")}};
  return doc;
}

// An instance's properties with the override's non-default values applied.
Json effective_properties(const Json& inst) {
  Json props = inst.value("properties", Json::object());
  const Json ov = inst.contains("overrides") && inst["overrides"].is_object()
                      ? inst["overrides"].value("properties", Json::object())
                      : Json::object();
  for (const char* k : {"name", "description", "os", "os_version", "architecture"}) {
    if (!text_of(ov, k).empty()) props[k] = ov[k];
  }
  for (const char* k : {"cpus", "memory"}) {
    if (ov.contains(k) && ov[k].is_number_integer() && ov[k].get<int64_t>() != 0) props[k] = ov[k];
  }
  return props;
}

void instance_list(Context& ctx, const std::string& format) {
  const Json instances = list_of(ctx.client().call("GET", "/instances?recursion=1"));
  std::vector<Row> rows;
  for (const auto& i : instances) {
    const Json p = effective_properties(i);
    const Json ov =
        i.contains("overrides") && i["overrides"].is_object() ? i["overrides"] : Json::object();
    const int64_t mem =
        p.contains("memory") && p["memory"].is_number() ? p["memory"].get<int64_t>() : 0;
    rows.push_back({text_of(p, "uuid"), text_of(i, "source"), text_of(p, "location"),
                    text_of(p, "os_version"), text_of(p, "cpus").empty() ? "0" : text_of(p, "cpus"),
                    iec_size(mem), text_of(p, "background_import") == "true" ? "true" : "false",
                    text_of(ov, "disable_migration") == "true" ? "true" : "false"});
  }
  sort_rows(rows);
  ctx.out << render_list(format,
                         {"UUID", "Source", "Location", "OS Version", "CPUs", "Memory",
                          "Background Import", "Migration Disabled"},
                         rows, instances);
}

void override_show(Context& ctx, const std::string& uuid, const std::string& format) {
  const Json o = ctx.client().call("GET", "/instances/" + mm::percent_encode(uuid) + "/override");
  const Json p = o.value("properties", Json::object());
  const std::string cpus = text_of(p, "cpus");
  const int64_t mem =
      p.contains("memory") && p["memory"].is_number() ? p["memory"].get<int64_t>() : 0;
  std::vector<Row> rows = {{go_time_string(text_of(o, "last_update")), text_of(o, "comment"),
                            text_of(o, "disable_migration") == "true" ? "true" : "false",
                            text_of(o, "ignore_restrictions") == "true" ? "true" : "false",
                            cpus == "0" ? "" : cpus, mem == 0 ? "" : iec_size(mem)}};
  ctx.out << render_list(format,
                         {"Last Update", "Comment", "Migration Disabled", "Ignore Restrictions",
                          "Num vCPUs", "Memory"},
                         rows, o);
}

void override_edit(Context& ctx, const std::string& uuid) {
  Client client = ctx.client();
  const std::string path = "/instances/" + mm::percent_encode(uuid) + "/override";
  Json current = Json::object();
  if (ctx.stdin_terminal) {
    try {
      current = client.call("GET", path);
    } catch (const ServerError& e) {
      if (e.status != 404) throw;  // no override yet: start from an empty one
    }
  }
  edit_yaml(ctx,
            "### This is a YAML representation of instance override configuration.\n"
            "### Any line starting with a '# will be ignored.\n###",
            to_yaml(override_document(current)), [&](const std::string& text) {
              Json body = yaml_to_json(text, instance_override_schema());
              client.call("PUT", path, &body);
            });
}

}  // namespace

void add_instance_commands(CLI::App& app, Context& ctx) {
  CLI::App* grp = app.add_subcommand("instance", "Interact with migration instances");
  grp->require_subcommand(1);

  auto format = std::make_shared<std::string>("table");
  CLI::App* c = grp->add_subcommand("list", "List available instances");
  add_format_option(c, *format);
  c->callback([&ctx, format] { instance_list(ctx, *format); });

  auto uuid = std::make_shared<std::string>();
  c = grp->add_subcommand("show", "Show an instance as YAML");
  c->add_option("uuid", *uuid, "Instance UUID")->required();
  c->callback([&ctx, uuid] {
    ctx.out << to_yaml(ctx.client().call("GET", "/instances/" + mm::percent_encode(*uuid)));
  });

  CLI::App* ov = grp->add_subcommand("override", "Override instance config");
  ov->require_subcommand(1);

  auto show_uuid = std::make_shared<std::string>();
  auto show_format = std::make_shared<std::string>("table");
  c = ov->add_subcommand("show", "Show an instance override");
  c->add_option("uuid", *show_uuid, "Instance UUID")->required();
  add_format_option(c, *show_format);
  c->callback([&ctx, show_uuid, show_format] { override_show(ctx, *show_uuid, *show_format); });

  auto edit_uuid = std::make_shared<std::string>();
  c = ov->add_subcommand("edit", "Edit instance overrides (YAML on stdin when not a terminal)");
  c->add_option("uuid", *edit_uuid, "Instance UUID")->required();
  c->callback([&ctx, edit_uuid] { override_edit(ctx, *edit_uuid); });

  auto rm_uuid = std::make_shared<std::string>();
  c = ov->add_subcommand("remove", "Remove an instance override");
  c->add_option("uuid", *rm_uuid, "Instance UUID")->required();
  c->callback([&ctx, rm_uuid] {
    ctx.client().call("DELETE", "/instances/" + mm::percent_encode(*rm_uuid) + "/override");
    ctx.out << "Successfully removed override for instance " << go_quote(*rm_uuid) << ".\n";
  });
}

}  // namespace mm::cli
