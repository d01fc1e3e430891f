// source add | list | show | update | remove | sync
#include <memory>

#include "cli/commands.h"
#include "common/percent_encoding.h"

namespace mm::cli {
namespace {

struct SourceAdd {
  std::vector<std::string> args;
  std::optional<std::string> username, password, fingerprint, disk_access;
  std::optional<int64_t> import_limit;
};

struct SourceUpdate {
  std::string name;
  std::optional<std::string> new_name, endpoint, username, password, fingerprint, disk_access;
  std::optional<int64_t> import_limit;
};

void source_add(Context& ctx, const SourceAdd& o) {
  std::string type = "vmware", name, endpoint;
  if (o.args.size() == 3) {
    type = o.args[0];
    for (auto& ch : type) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (type != "vmware") {
      throw UsageError("Unsupported source type " + go_quote(o.args[0]) +
                       "; must be one of [\"vmware\"]");
    }
    name = o.args[1];
    endpoint = o.args[2];
  } else {
    name = o.args[0];
    endpoint = o.args[1];
  }
  // Any of the answers given as a flag means a script: nothing is asked, the rest defaults.
  const bool scripted = o.username || o.password || o.import_limit;
  std::string username, password;
  int64_t import_limit = 50;
  if (scripted) {
    if (!o.username || o.username->empty()) throw UsageError("--username is required with flags");
    username = *o.username;
    password = o.password.value_or("");
    import_limit = o.import_limit.value_or(50);
  } else {
    const std::string q = "'" + endpoint + "': ";
    username = ctx.asker.ask_string("Please enter username for endpoint " + q, "",
                                    [](const std::string& s) {
                                      if (s.empty()) throw std::invalid_argument("Cannot be empty");
                                    });
    password = ctx.asker.ask_password("Please enter password for endpoint " + q);
    import_limit = ctx.asker.ask_int(
        "How many instances can be concurrently imported? [default=50]: ", 1, 1024, "50");
  }
  if (o.fingerprint) validate_sha256(*o.fingerprint);
  Json body = {{"name", name},
               {"source_type", type},
               {"properties",
                {{"endpoint", endpoint},
                 {"trusted_server_certificate_fingerprint",
                  canonical_fingerprint(o.fingerprint.value_or(""))},
                 {"username", username},
                 {"password", password},
                 {"import_limit", import_limit}}}};
  if (o.disk_access) body["properties"]["disk_access"] = *o.disk_access;
  const Json meta = ctx.client().call("POST", "/sources", &body);
  report_connectivity(ctx, "added new", "source", name, meta);
}

void source_list(Context& ctx, const std::string& format) {
  const Json sources = list_of(ctx.client().call("GET", "/sources?recursion=1"));
  std::vector<Row> rows;
  for (const auto& s : sources) {
    const Json p = s.value("properties", Json::object());
    rows.push_back({text_of(s, "name"), text_of(s, "source_type"), text_of(p, "endpoint"),
                    text_of(p, "connectivity_status"), text_of(p, "username"),
                    text_of(p, "trusted_server_certificate_fingerprint")});
  }
  sort_rows(rows);
  ctx.out << render_list(format,
                         {"Name", "Type", "Endpoint", "Connectivity Status", "Username",
                          "Trusted TLS Cert SHA256 Fingerprint"},
                         rows, sources);
}

void source_update(Context& ctx, const SourceUpdate& o) {
  Client client = ctx.client();
  Json src = client.call("GET", "/sources/" + mm::percent_encode(o.name));
  Json p = src.value("properties", Json::object());
  const std::string orig = text_of(src, "name");
  std::string name = orig, endpoint = text_of(p, "endpoint"), username = text_of(p, "username");
  std::optional<std::string> password;
  int64_t import_limit = p.value("import_limit", 50);
  std::string fp = text_of(p, "trusted_server_certificate_fingerprint");
  const bool scripted = o.new_name || o.endpoint || o.username || o.password || o.import_limit ||
                        o.fingerprint || o.disk_access;
  if (scripted) {
    name = o.new_name.value_or(name);
    endpoint = o.endpoint.value_or(endpoint);
    username = o.username.value_or(username);
    password = o.password;
    import_limit = o.import_limit.value_or(import_limit);
    if (o.fingerprint) {
      validate_sha256(*o.fingerprint);
      fp = *o.fingerprint;
    }
  } else {
    Asker& a = ctx.asker;
    name = a.ask_string("Source name [default=" + name + "]: ", name);
    endpoint = a.ask_string("Endpoint [default=" + endpoint + "]: ", endpoint);
    if (a.ask_bool("Update configured authentication? (yes/no) [default=no]: ", "no")) {
      username = a.ask_string("Username [default=" + username + "]: ", username);
      password = a.ask_password("Password: ");
    }
    const std::string lim = std::to_string(import_limit);
    import_limit = a.ask_int(
        "How many instances can be concurrently imported? [default=" + lim + "]: ", 1, 1024, lim);
    fp = a.ask_string("Manually-set trusted TLS cert SHA256 fingerprint [" + fp + "]: ", fp,
                      validate_sha256);
  }
  p["endpoint"] = endpoint;
  p["username"] = username;
  // Left out, the stored password stays.
  p.erase("password");
  if (password) p["password"] = *password;
  p["import_limit"] = import_limit;
  p["trusted_server_certificate_fingerprint"] = canonical_fingerprint(fp);
  p.erase("connectivity_status");
  p.erase("disk_access_path");  // read only
  if (o.disk_access) p["disk_access"] = *o.disk_access;
  Json body = {{"name", name}, {"source_type", text_of(src, "source_type")}, {"properties", p}};
  const Json meta = client.call("PUT", "/sources/" + mm::percent_encode(orig), &body);
  report_connectivity(ctx, "updated", "source", name, meta);
}

}  // namespace

void add_source_commands(CLI::App& app, Context& ctx) {
  CLI::App* grp = app.add_subcommand("source", "Interact with migration sources");
  grp->require_subcommand(1);

  auto add = std::make_shared<SourceAdd>();
  CLI::App* c = grp->add_subcommand("add", "Add a new source");
  c->add_option("args", add->args, "[type] <name> <IP|FQDN|URL> (type defaults to vmware)")
      ->required()
      ->expected(2, 3);
  c->add_option("--username", add->username, "Username (no questions are asked with flags)");
  c->add_option("--password", add->password, "Password");
  c->add_option("--import-limit", add->import_limit, "Instances imported concurrently (default 50)")
      ->check(CLI::Range(1, 1024));
  c->add_option("--trusted-cert-fingerprint", add->fingerprint,
                "Trusted SHA256 fingerprint of the source's TLS certificate");
  c->add_option("--disk-access", add->disk_access,
                "How disks are read: auto (default), vddk (only VDDK), datastore (never VDDK)");
  c->callback([&ctx, add] { source_add(ctx, *add); });

  auto format = std::make_shared<std::string>("table");
  c = grp->add_subcommand("list", "List available sources");
  add_format_option(c, *format);
  c->callback([&ctx, format] { source_list(ctx, *format); });

  auto name = std::make_shared<std::string>();
  c = grp->add_subcommand("show", "Show a source as YAML");
  c->add_option("name", *name, "Source name")->required();
  c->callback([&ctx, name] {
    const Json s = ctx.client().call("GET", "/sources/" + mm::percent_encode(*name));
    ctx.out << to_yaml(s);
    const Json p = s.value("properties", Json::object());
    if (p.contains("disk_access_path")) {
      ctx.out << "Disk access: " << text_of(p, "disk_access_path") << "\n";
    }
  });

  auto upd = std::make_shared<SourceUpdate>();
  c = grp->add_subcommand("update", "Update source");
  c->add_option("name", upd->name, "Source name")->required();
  c->add_option("--name", upd->new_name, "New name (no questions are asked with flags)");
  c->add_option("--endpoint", upd->endpoint, "New endpoint");
  c->add_option("--username", upd->username, "New username");
  c->add_option("--password", upd->password, "New password");
  c->add_option("--import-limit", upd->import_limit, "Instances imported concurrently")
      ->check(CLI::Range(1, 1024));
  c->add_option("--trusted-cert-fingerprint", upd->fingerprint,
                "Trusted SHA256 fingerprint of the source's TLS certificate");
  c->add_option("--disk-access", upd->disk_access,
                "How disks are read: auto (VDDK with an sdk artifact, else the datastore), vddk "
                "(only VDDK), datastore (never VDDK)");
  c->callback([&ctx, upd] { source_update(ctx, *upd); });

  auto rm = std::make_shared<std::string>();
  c = grp->add_subcommand("remove", "Remove source");
  c->add_option("name", *rm, "Source name")->required();
  c->callback([&ctx, rm] {
    ctx.client().call("DELETE", "/sources/" + mm::percent_encode(*rm));
    ctx.out << "Successfully removed source " << go_quote(*rm) << ".\n";
  });

  auto sync = std::make_shared<std::string>();
  c = grp->add_subcommand("sync", "Import the source's instances and networks now");
  c->add_option("name", *sync, "Source name")->required();
  c->callback([&ctx, sync] {
    ctx.client().call("POST", "/sources/" + mm::percent_encode(*sync) + "/sync");
    ctx.out << "Successfully started sync of source " << go_quote(*sync) << ".\n";
  });
}

}  // namespace mm::cli
