// warning list | show | acknowledge
#include <memory>

#include "cli/commands.h"
#include "common/percent_encoding.h"

namespace mm::cli {
namespace {

// The reference's api.Warning field order, whatever order the daemon's JSON has.
Json warning_document(const Json& w) {
  Json doc = Json::object();
  for (const char* k : {"status", "uuid", "scope", "type", "first_seen_date", "last_seen_date",
                        "updated_date", "messages", "count"}) {
    if (!w.contains(k)) continue;
    if (std::string(k) == "scope" && w[k].is_object()) {
      Json s = Json::object();
      for (const char* sk : {"scope", "entity_type", "entity"}) {
        if (w[k].contains(sk)) s[sk] = w[k][sk];
      }
      for (auto it = w[k].begin(); it != w[k].end(); ++it) {
        if (!s.contains(it.key())) s[it.key()] = it.value();
      }
      doc[k] = s;
    } else {
      doc[k] = w[k];
    }
  }
  for (auto it = w.begin(); it != w.end(); ++it) {
    if (!doc.contains(it.key())) doc[it.key()] = it.value();
  }
  return doc;
}

void warning_list(Context& ctx, const std::string& format) {
  const Json warnings = list_of(ctx.client().call("GET", "/warnings?recursion=1"));
  std::vector<Row> rows;
  for (const auto& w : warnings) {
    const Json scope = w.value("scope", Json::object());
    const size_t nmsg =
        w.contains("messages") && w["messages"].is_array() ? w["messages"].size() : 0;
    rows.push_back({text_of(w, "uuid"), text_of(w, "status"), text_of(scope, "scope"),
                    text_of(scope, "entity_type"), text_of(scope, "entity"), text_of(w, "type"),
                    go_time_string(text_of(w, "updated_date")), std::to_string(nmsg),
                    text_of(w, "count").empty() ? "0" : text_of(w, "count")});
  }
  sort_rows(rows);
  ctx.out << render_list(format,
                         {"UUID", "Status", "Scope", "Entity Type", "Entity", "Type",
                          "Last Updated", "Num Messages", "Count"},
                         rows, warnings);
}

}  // namespace

void add_warning_commands(CLI::App& app, Context& ctx) {
  CLI::App* grp = app.add_subcommand("warning", "Manage warnings");
  grp->require_subcommand(1);

  auto format = std::make_shared<std::string>("table");
  CLI::App* c = grp->add_subcommand("list", "List warnings");
  c->alias("ls");
  add_format_option(c, *format);
  c->callback([&ctx, format] { warning_list(ctx, *format); });

  auto uuid = std::make_shared<std::string>();
  c = grp->add_subcommand("show", "Show warning messages and data as YAML");
  c->add_option("uuid", *uuid, "Warning UUID")->required();
  c->callback([&ctx, uuid] {
    const Json w = ctx.client().call("GET", "/warnings/" + mm::percent_encode(*uuid));
    // The reference prints the YAML with Println: one blank line after it.
    ctx.out << to_yaml(warning_document(w)) << "\n";
  });

  auto ack = std::make_shared<std::string>();
  c = grp->add_subcommand("acknowledge", "Acknowledge warning");
  c->alias("ack");
  c->add_option("uuid", *ack, "Warning UUID")->required();
  c->callback([&ctx, ack] {
    Json body = {{"status", "acknowledged"}};
    ctx.client().call("PUT", "/warnings/" + mm::percent_encode(*ack), &body);
  });
}

}  // namespace mm::cli
