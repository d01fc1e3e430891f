// target add | list | show | update | remove
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>

#include "cli/commands.h"
#include "common/go_duration.h"
#include "common/percent_encoding.h"

namespace mm::cli {
namespace {

struct TargetOptions {
  std::vector<std::string> args;  // add: [type] <name> <url>; update: <name>
  std::optional<std::string> new_name, endpoint, timeout, auth_type, cert, key, fingerprint;
  std::optional<int64_t> import_limit, create_limit;
  bool scripted() const {
    return new_name || endpoint || timeout || auth_type || cert || key || fingerprint ||
           import_limit || create_limit;
  }
};

void validate_abs_file(const std::string& s) {
  if (s.empty() || s[0] != '/') throw std::invalid_argument("Not an absolute path");
  if (!std::filesystem::is_regular_file(s)) throw std::invalid_argument("Cannot read file");
}

void validate_duration(const std::string& s) {
  if (!mm::is_go_duration(s)) throw std::invalid_argument("Invalid duration " + go_quote(s));
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("Failed to read " + path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// The authentication questions (or flags): fills tls_client_cert/key, or clears them for OIDC.
void ask_auth(Context& ctx, const TargetOptions& o, Json& p) {
  std::string type = o.auth_type.value_or(o.cert ? "tls" : "oidc");
  if (!o.scripted()) {
    type = ctx.asker.ask_choice(
        "Use OIDC or TLS certificates to authenticate to target? [default=oidc]: ", {"oidc", "tls"},
        "oidc");
  }
  if (type != "tls" && type != "oidc") throw UsageError("--auth-type must be oidc or tls");
  p["tls_client_cert"] = "";
  p["tls_client_key"] = "";
  if (type == "oidc") return;
  std::string cert, key;
  if (o.scripted()) {
    if (!o.cert || !o.key) throw UsageError("--tls-client-cert and --tls-client-key are required");
    validate_abs_file(*o.cert);
    validate_abs_file(*o.key);
    cert = *o.cert;
    key = *o.key;
  } else {
    cert = ctx.asker.ask_string("Please enter the absolute path to client TLS certificate: ", "",
                                validate_abs_file);
    key = ctx.asker.ask_string("Please enter the absolute path to client TLS key: ", "",
                               validate_abs_file);
  }
  p["tls_client_cert"] = read_text(cert);
  p["tls_client_key"] = read_text(key);
}

void target_add(Context& ctx, const TargetOptions& o) {
  std::string type = "incus", name, endpoint;
  if (o.args.size() == 3) {
    type = o.args[0];
    for (auto& ch : type) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (type != "incus") {
      throw UsageError("Unsupported target type " + go_quote(o.args[0]) +
                       "; must be one of [\"incus\"]");
    }
    name = o.args[1];
    endpoint = o.args[2];
  } else {
    name = o.args[0];
    endpoint = o.args[1];
  }
  int64_t import_limit = o.import_limit.value_or(50), create_limit = o.create_limit.value_or(10);
  std::string timeout = o.timeout.value_or("5m0s");
  if (o.timeout) validate_duration(*o.timeout);
  if (!o.scripted()) {
    Asker& a = ctx.asker;
    import_limit =
        a.ask_int("How many instances can be concurrently imported? [default=50]: ", 1, 1024, "50");
    create_limit =
        a.ask_int("How many instances can be concurrently created? [default=10]: ", 1, 1024, "10");
    timeout =
        a.ask_string("Specify the timeout for connecting to the target [default=5m0s]: ", "5m0s",
                     validate_duration);
  }
  Json p = {{"endpoint", endpoint},
            {"import_limit", import_limit},
            {"create_limit", create_limit},
            {"connection_timeout", timeout}};
  ask_auth(ctx, o, p);
  if (o.fingerprint) validate_sha256(*o.fingerprint);
  p["trusted_server_certificate_fingerprint"] = canonical_fingerprint(o.fingerprint.value_or(""));
  Json body = {{"name", name}, {"target_type", type}, {"properties", p}};
  const Json meta = ctx.client().call("POST", "/targets", &body);
  report_connectivity(ctx, "added new", "target", name, meta);
}

std::string auth_type_of(const Json& p) {
  const std::string t = text_of(p, "auth_type");
  if (!t.empty()) return t;
  return text_of(p, "tls_client_cert").empty() && text_of(p, "tls_client_key").empty() ? "OIDC"
                                                                                       : "TLS";
}

void target_list(Context& ctx, const std::string& format) {
  const Json targets = list_of(ctx.client().call("GET", "/targets?recursion=1"));
  std::vector<Row> rows;
  for (const auto& t : targets) {
    const Json p = t.value("properties", Json::object());
    rows.push_back({text_of(t, "name"), text_of(t, "target_type"), text_of(p, "endpoint"),
                    text_of(p, "connectivity_status"), auth_type_of(p),
                    text_of(p, "trusted_server_certificate_fingerprint")});
  }
  sort_rows(rows);
  ctx.out << render_list(format,
                         {"Name", "Type", "Endpoint", "Connectivity Status", "Auth Type",
                          "Trusted TLS Cert SHA256 Fingerprint"},
                         rows, targets);
}

void target_update(Context& ctx, const TargetOptions& o) {
  Client client = ctx.client();
  const Json tgt = client.call("GET", "/targets/" + mm::percent_encode(o.args.at(0)));
  Json p = tgt.value("properties", Json::object());
  const std::string orig = text_of(tgt, "name");
  std::string name = orig, endpoint = text_of(p, "endpoint");
  int64_t import_limit = p.value("import_limit", 50), create_limit = p.value("create_limit", 10);
  std::string timeout = text_of(p, "connection_timeout");
  std::string fp = text_of(p, "trusted_server_certificate_fingerprint");
  // Secrets are never returned: left out, the stored key stays.
  p.erase("tls_client_key");
  bool update_auth = false;
  if (o.scripted()) {
    name = o.new_name.value_or(name);
    endpoint = o.endpoint.value_or(endpoint);
    import_limit = o.import_limit.value_or(import_limit);
    create_limit = o.create_limit.value_or(create_limit);
    if (o.timeout) validate_duration(*o.timeout);
    timeout = o.timeout.value_or(timeout);
    update_auth = o.auth_type || o.cert || o.key;
    if (o.fingerprint) {
      validate_sha256(*o.fingerprint);
      fp = *o.fingerprint;
    }
  } else {
    Asker& a = ctx.asker;
    name = a.ask_string("Target name [default=" + name + "]: ", name);
    endpoint = a.ask_string("Endpoint [default=" + endpoint + "]: ", endpoint);
    const std::string il = std::to_string(import_limit), cl = std::to_string(create_limit);
    import_limit = a.ask_int(
        "How many instances can be concurrently imported? [default=" + il + "]: ", 1, 1024, il);
    create_limit = a.ask_int(
        "How many instances can be concurrently created? [default=" + cl + "]: ", 1, 1024, cl);
    timeout = a.ask_string(
        "Specify the timeout for connecting to the target [default=" + timeout + "]: ", timeout,
        validate_duration);
    update_auth = a.ask_bool("Update configured authentication? (yes/no) [default=no]: ", "no");
  }
  if (update_auth) ask_auth(ctx, o, p);
  if (!o.scripted()) {
    fp = ctx.asker.ask_string("Manually-set trusted TLS cert SHA256 fingerprint [" + fp + "]: ", fp,
                              validate_sha256);
  }
  p["endpoint"] = endpoint;
  p["import_limit"] = import_limit;
  p["create_limit"] = create_limit;
  p["connection_timeout"] = timeout;
  p["trusted_server_certificate_fingerprint"] = canonical_fingerprint(fp);
  p.erase("connectivity_status");
  p.erase("auth_type");
  Json body = {{"name", name}, {"target_type", text_of(tgt, "target_type")}, {"properties", p}};
  const Json meta = client.call("PUT", "/targets/" + mm::percent_encode(orig), &body);
  report_connectivity(ctx, "updated", "target", name, meta);
}

void add_target_flags(CLI::App* c, TargetOptions& o, bool update) {
  if (update) {
    c->add_option("--name", o.new_name, "New name (no questions are asked with flags)");
    c->add_option("--endpoint", o.endpoint, "New endpoint");
  }
  c->add_option("--import-limit", o.import_limit,
                std::string("Instances imported concurrently") + (update ? "" : " (default 50)") +
                    (update ? " (no questions are asked with flags)" : ""))
      ->check(CLI::Range(1, 1024));
  c->add_option("--create-limit", o.create_limit, "Instances created concurrently (default 10)")
      ->check(CLI::Range(1, 1024));
  c->add_option("--connection-timeout", o.timeout, "Timeout for connecting (default 5m0s)");
  c->add_option("--auth-type", o.auth_type, "oidc or tls");
  c->add_option("--tls-client-cert", o.cert, "Absolute path to the client TLS certificate");
  c->add_option("--tls-client-key", o.key, "Absolute path to the client TLS key");
  c->add_option("--trusted-cert-fingerprint", o.fingerprint,
                "Trusted SHA256 fingerprint of the target's TLS certificate");
}

}  // namespace

void add_target_commands(CLI::App& app, Context& ctx) {
  CLI::App* grp = app.add_subcommand("target", "Interact with migration targets");
  grp->require_subcommand(1);

  auto add = std::make_shared<TargetOptions>();
  CLI::App* c = grp->add_subcommand("add", "Add a new target");
  c->add_option("args", add->args, "[type] <name> <IP|FQDN|URL> (type defaults to incus)")
      ->required()
      ->expected(2, 3);
  add_target_flags(c, *add, false);
  c->callback([&ctx, add] { target_add(ctx, *add); });

  auto format = std::make_shared<std::string>("table");
  c = grp->add_subcommand("list", "List available targets");
  add_format_option(c, *format);
  c->callback([&ctx, format] { target_list(ctx, *format); });

  auto name = std::make_shared<std::string>();
  c = grp->add_subcommand("show", "Show a target as YAML");
  c->add_option("name", *name, "Target name")->required();
  c->callback([&ctx, name] {
    ctx.out << to_yaml(ctx.client().call("GET", "/targets/" + mm::percent_encode(*name)));
  });

  auto upd = std::make_shared<TargetOptions>();
  c = grp->add_subcommand("update", "Update target");
  c->add_option("name", upd->args, "Target name")->required()->expected(1);
  add_target_flags(c, *upd, true);
  c->callback([&ctx, upd] { target_update(ctx, *upd); });

  auto rm = std::make_shared<std::string>();
  c = grp->add_subcommand("remove", "Remove target");
  c->add_option("name", *rm, "Target name")->required();
  c->callback([&ctx, rm] {
    ctx.client().call("DELETE", "/targets/" + mm::percent_encode(*rm));
    ctx.out << "Successfully removed target " << go_quote(*rm) << ".\n";
  });
}

}  // namespace mm::cli
