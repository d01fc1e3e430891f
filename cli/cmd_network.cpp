// network list | show | edit
#include <memory>

#include "cli/commands.h"
#include "cli/edit_schemas.h"
#include "cli/editor.h"
#include "cli/yaml_input.h"
#include "common/percent_encoding.h"

namespace mm::cli {
namespace {

// The value shown for a placement field: the user's override when set, else the default.
std::string placed(const Json& n, const std::string& key) {
  const Json ov =
      n.contains("overrides") && n["overrides"].is_object() ? n["overrides"] : Json::object();
  const Json pl =
      n.contains("placement") && n["placement"].is_object() ? n["placement"] : Json::object();
  const std::string o = text_of(ov, key);
  return o.empty() ? text_of(pl, key) : o;
}

void network_list(Context& ctx, const std::string& format) {
  const Json networks = list_of(ctx.client().call("GET", "/networks?recursion=1"));
  std::vector<Row> rows;
  for (const auto& n : networks) {
    rows.push_back({text_of(n, "uuid"), text_of(n, "source_specific_id"), text_of(n, "location"),
                    text_of(n, "source"), text_of(n, "type"), placed(n, "network"),
                    placed(n, "nictype"), placed(n, "vlan_id")});
  }
  sort_rows(rows);
  ctx.out << render_list(format,
                         {"UUID", "Source Specific ID", "Location", "Source", "Type",
                          "Target Network", "Target NIC Type", "Target Vlan"},
                         rows, networks);
}

// Checks what the daemon would also refuse, so the editor reopens without a round trip.
void check_override(const Json& o) {
  const std::string nictype = text_of(o, "nictype");
  if (!nictype.empty() && nictype != "managed" && nictype != "bridged" && nictype != "physical") {
    throw EditError("field \"nictype\": must be one of managed, bridged, physical");
  }
  const std::string vlan = text_of(o, "vlan_id");
  if (!vlan.empty()) {
    size_t start = 0;
    while (start <= vlan.size()) {
      size_t comma = vlan.find(',', start);
      if (comma == std::string::npos) comma = vlan.size();
      const std::string id = vlan.substr(start, comma - start);
      const bool digits =
          !id.empty() && id.size() <= 4 && id.find_first_not_of("0123456789") == std::string::npos;
      if (!digits || std::stoi(id) < 1 || std::stoi(id) > 4094) {
        throw EditError("field \"vlan_id\": " + go_quote(id) + " is not a VLAN ID (1-4094)");
      }
      start = comma + 1;
    }
  }
}

void network_edit(Context& ctx, const std::string& uuid) {
  Client client = ctx.client();
  Json doc = {{"network", ""}, {"nictype", ""}, {"vlan_id", ""}};
  if (ctx.stdin_terminal) {
    const Json n = client.call("GET", "/networks/" + mm::percent_encode(uuid));
    if (n.contains("overrides") && n["overrides"].is_object()) {
      for (const char* k : {"network", "nictype", "vlan_id"}) doc[k] = text_of(n["overrides"], k);
    }
  }
  edit_yaml(ctx,
            "### This is a YAML representation of network configuration.\n"
            "### Any line starting with a '# will be ignored.\n###",
            to_yaml(doc), [&](const std::string& text) {
              Json body = yaml_to_json(text, network_override_schema());
              check_override(body);
              client.call("PUT", "/networks/" + mm::percent_encode(uuid) + "/override", &body);
            });
}

}  // namespace

void add_network_commands(CLI::App& app, Context& ctx) {
  CLI::App* grp = app.add_subcommand("network", "Interact with migration networks");
  grp->require_subcommand(1);

  auto format = std::make_shared<std::string>("table");
  CLI::App* c = grp->add_subcommand("list", "List available networks");
  add_format_option(c, *format);
  c->callback([&ctx, format] { network_list(ctx, *format); });

  auto uuid = std::make_shared<std::string>();
  c = grp->add_subcommand("show", "Show a network as YAML");
  c->add_option("uuid", *uuid, "Network UUID")->required();
  c->callback([&ctx, uuid] {
    ctx.out << to_yaml(ctx.client().call("GET", "/networks/" + mm::percent_encode(*uuid)));
  });

  auto edit_uuid = std::make_shared<std::string>();
  c = grp->add_subcommand(
      "edit", "Update target network configuration (YAML on stdin when not a terminal)");
  c->add_option("uuid", *edit_uuid, "Network UUID")->required();
  c->callback([&ctx, edit_uuid] { network_edit(ctx, *edit_uuid); });
}

}  // namespace mm::cli
