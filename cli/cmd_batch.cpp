// batch add | list | show | info | edit | start | stop | reset | remove
// The YAML of `edit` is read by orchestrator/batch, the same code the daemon checks bodies with,
// so a mistake is reported with its line before anything is sent, and the editor reopens on it.
#include <iterator>
#include <map>
#include <memory>

#include "cli/commands.h"
#include "cli/editor.h"
#include "common/percent_encoding.h"
#include "orchestrator/batch/batch_json.h"
#include "orchestrator/batch/batch_yaml.h"

namespace mm::cli {
namespace {

constexpr const char* kEditHeader =
    "### This is a YAML representation of batch configuration.\n"
    "### Any line starting with a '# will be ignored.\n"
    "###";

std::string batch_path(const std::string& name) {
  return "/batches/" + mm::percent_encode(name);
}

Json to_cli_json(const nlohmann::json& j) {
  return Json::parse(j.dump());
}

batch::BatchConfig config_from(const Json& metadata) {
  return batch::batch_from_json_text(metadata.dump());
}

// The target names, in the daemon's order (by name).
std::vector<std::string> target_names(Client& client) {
  std::vector<std::string> out;
  for (const auto& url : list_of(client.call("GET", "/targets"))) {
    if (!url.is_string()) continue;
    const std::string u = url.get<std::string>();
    out.push_back(mm::percent_decode(u.substr(u.rfind('/') + 1)).value_or(u));
  }
  return out;
}

void batch_add(Context& ctx, const std::string& name) {
  Client client = ctx.client();
  const std::vector<std::string> targets = target_names(client);
  if (targets.empty())
    throw std::runtime_error("No targets have been defined, cannot add a batch.");
  // As the reference CLI: a batch that matches nothing until edited, on the first target.
  batch::BatchConfig b;
  b.name = name;
  b.include_expression = "false";
  b.placement.target = targets.front();
  const Json body = to_cli_json(batch::batch_to_json(b));
  client.call("POST", "/batches", &body);
  ctx.out << "Successfully added new batch " << go_quote(name) << ".\n";
}

void batch_list(Context& ctx, const std::string& format) {
  const Json batches = list_of(ctx.client().call("GET", "/batches?recursion=1"));
  std::vector<Row> rows;
  for (const auto& b : batches) {
    const Json defaults = b.value("defaults", Json::object());
    const Json placement =
        defaults.is_object() ? defaults.value("placement", Json::object()) : Json::object();
    const Json windows = b.value("migration_windows", Json::array());
    rows.push_back({text_of(b, "name"), text_of(b, "status"), text_of(b, "status_message"),
                    text_of(placement, "target"), text_of(placement, "target_project"),
                    text_of(placement, "storage_pool"), text_of(b, "include_expression"),
                    std::to_string(windows.is_array() ? windows.size() : 0)});
  }
  sort_rows(rows);
  ctx.out << render_list(format,
                         {"Name", "Status", "Status String", "Target", "Project", "Storage Pool",
                          "Include Expression", "Migration Windows"},
                         rows, batches);
}

void batch_show(Context& ctx, const std::string& name) {
  const Json b = ctx.client().call("GET", batch_path(name));
  Json status = Json::object();
  for (const char* k : {"status", "status_message", "start_date"}) status[k] = text_of(b, k);
  ctx.out << batch::batch_to_yaml(config_from(b)) << to_yaml(status);
}

void batch_info(Context& ctx, const std::string& name) {
  Client client = ctx.client();
  const Json matched = list_of(client.call("GET", batch_path(name) + "/instances?recursion=1"));
  const Json queued = list_of(client.call("GET", batch_path(name) + "/queue?recursion=1"));
  std::map<std::string, std::string> location;  // uuid -> location
  ctx.out << "Matched Instances:\n";
  for (const auto& i : matched) {
    const Json props = i.value("properties", Json::object());
    const std::string loc = text_of(props, "location");
    location[text_of(props, "uuid")] = loc;
    const Json overrides = i.value("overrides", Json::object());
    const bool disabled = overrides.is_object() && overrides.value("disable_migration", false);
    ctx.out << "  - " << loc << (disabled ? " (Migration Disabled)" : "") << "\n";
  }
  ctx.out << "\nQueued Instances:\n";
  for (const auto& q : queued) {
    const auto it = location.find(text_of(q, "instance_uuid"));
    const std::string loc = it != location.end() ? it->second : text_of(q, "instance_name");
    ctx.out << "  - " << loc << " (" << text_of(q, "migration_status") << ")\n";
  }
}

// Comment lines become empty lines (rather than disappearing) so that the lines an error names
// are the lines the user sees in the editor.
std::string blank_comment_lines(const std::string& text) {
  std::string out;
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    const size_t end = nl == std::string::npos ? text.size() : nl + 1;
    if (text[start] == '#') {
      if (nl != std::string::npos) out += '\n';
    } else {
      out.append(text, start, end - start);
    }
    start = end;
  }
  return out;
}

void batch_edit(Context& ctx, const std::string& name) {
  Client client = ctx.client();
  auto apply = [&](const std::string& text) {
    const Json body = to_cli_json(batch::batch_to_json(batch::parse_batch_yaml(text)));
    client.call("PUT", batch_path(name), &body);
  };
  if (!ctx.stdin_terminal) {
    apply(blank_comment_lines(std::string(std::istreambuf_iterator<char>(ctx.in), {})));
    return;
  }
  const Json current = client.call("GET", batch_path(name));
  std::string text = std::string(kEditHeader) + "\n\n" + batch::batch_to_yaml(config_from(current));
  for (;;) {
    text = run_editor(text);
    try {
      apply(blank_comment_lines(text));
      return;
    } catch (const batch::BatchError& e) {
      ctx.err << "Config parsing error: " << e.what() << "\n";
    } catch (const ServerError& e) {
      if (e.status != 400) throw;
      ctx.err << "Config parsing error: " << e.what() << "\n";
    }
    ctx.out << "Press enter to open the editor again or ctrl+c to abort change" << std::flush;
    std::string line;
    if (!std::getline(ctx.in, line)) throw std::runtime_error("Change aborted");
  }
}

void batch_action(Context& ctx, const std::string& name, const std::string& action,
                  const char* done) {
  Client client = ctx.client();
  if (action == "remove") {
    client.call("DELETE", batch_path(name));
  } else {
    const Json empty = Json::object();
    client.call("POST", batch_path(name) + "/:" + action, &empty);
  }
  ctx.out << "Successfully " << done << " batch " << go_quote(name) << ".\n";
}

}  // namespace

void add_batch_commands(CLI::App& app, Context& ctx) {
  CLI::App* grp = app.add_subcommand("batch", "Interact with migration batches");
  grp->require_subcommand(1);

  // Every subcommand but list takes one batch name.
  auto named = [&](const char* verb, const char* help, auto run) {
    auto name = std::make_shared<std::string>();
    CLI::App* c = grp->add_subcommand(verb, help);
    c->add_option("name", *name, "Batch name")->required();
    c->callback([&ctx, name, run] { run(ctx, *name); });
  };
  named("add", "Add a new batch", batch_add);
  named("show", "Show batch configuration as YAML", batch_show);
  named("info", "Show the instances a batch matches and has queued", batch_info);
  named("edit", "Edit batch as YAML (YAML on stdin when not a terminal)", batch_edit);
  named("start", "Start batch",
        [](Context& c, const std::string& n) { batch_action(c, n, "start", "started"); });
  named("stop", "Stop batch",
        [](Context& c, const std::string& n) { batch_action(c, n, "stop", "stopped"); });
  named("reset", "Reset batch",
        [](Context& c, const std::string& n) { batch_action(c, n, "reset", "reset"); });
  named("remove", "Remove batch",
        [](Context& c, const std::string& n) { batch_action(c, n, "remove", "removed"); });

  auto format = std::make_shared<std::string>("table");
  CLI::App* c = grp->add_subcommand("list", "List available batches");
  add_format_option(c, *format);
  c->callback([&ctx, format] { batch_list(ctx, *format); });
}

}  // namespace mm::cli
