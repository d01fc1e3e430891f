// remote add | list | switch | remove: other migration-managerd instances reached over HTTPS.
#include <memory>

#include "cli/commands.h"

namespace mm::cli {
namespace {

struct RemoteAdd {
  std::string name, url, auth_type = "tls", fingerprint;
  bool accept = false;
};

void remote_add(Context& ctx, const RemoteAdd& o) {
  if (o.name.empty()) throw UsageError("Name of remote can not be empty");
  if (o.name == "local") {
    throw UsageError(
        "Name of remote can not be \"local\", because it is a reserved name for local access "
        "through the unix socket");
  }
  Remote r;
  r.addr = o.url;
  while (r.addr.size() > 8 && r.addr.back() == '/') r.addr.pop_back();
  std::string host, port;
  try {
    parse_https_url(r.addr, host, port);
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
  if (o.auth_type != "tls") {
    throw UsageError(
        "Value for flag \"--auth-type\" needs to be \"tls\" (this daemon has no OIDC)");
  }
  Config& cfg = ctx.config();
  if (cfg.remotes.count(o.name))
    throw std::runtime_error("Remote with name " + go_quote(o.name) + " already exists");

  const ServerCertificate cert = fetch_server_certificate(host, port);
  if (!o.fingerprint.empty()) {
    validate_sha256(o.fingerprint);
    if (canonical_fingerprint(o.fingerprint) != cert.fingerprint) {
      throw std::runtime_error("The server presented a TLS certificate with SHA256 fingerprint " +
                               cert.fingerprint + ", not " + canonical_fingerprint(o.fingerprint));
    }
  } else if (!o.accept) {
    const bool ok = ctx.asker.ask_bool(
        "Server presented an untrusted TLS certificate with SHA256 fingerprint " +
            cert.fingerprint + ". Is this the correct fingerprint? (yes/no) [default=no]: ",
        "no");
    if (!ok) throw std::runtime_error("Aborting due to untrusted server TLS certificate");
  }
  r.server_cert = cert.pem;
  const std::string client_fp = cfg.ensure_client_cert();
  cfg.remotes[o.name] = r;
  cfg.save();

  // Is this client trusted there yet?
  Endpoint ep;
  ep.https = true;
  ep.host = host;
  ep.port = port;
  ep.pinned_fingerprint = cert.fingerprint;
  ep.cert_file = cfg.client_cert_path();
  ep.key_file = cfg.client_key_path();
  try {
    const Json info = Client(ep).call("GET", "");
    if (text_of(info, "auth") == "trusted") return;
  } catch (const ServerError& e) {
    if (e.status != 403) throw;
  }
  ctx.out << "Remote " << go_quote(o.name)
          << " added, but the server does not trust this client yet.\n"
          << "Client certificate: " << cfg.client_cert_path() << "\n"
          << "SHA256 fingerprint: " << client_fp << "\n"
          << "On the server, add the certificate to the trust list through the local socket:\n"
          << "  jq -n --rawfile c client.crt '{name: \"" << o.name << "\", certificate: $c}' |\n"
          << "    curl --unix-socket /var/lib/migration-manager/unix.socket -X POST "
             "--data-binary @- http://localhost/1.0/certificates\n";
}

void remote_list(Context& ctx, const std::string& format) {
  Config& cfg = ctx.config();
  std::vector<Row> rows;
  rows.push_back(
      {cfg.default_remote.empty() ? "local (current)" : "local", "unix://", "file access"});
  Json raw = Json::object();
  for (const auto& [name, r] : cfg.remotes) {
    rows.push_back({name == cfg.default_remote ? name + " (current)" : name, r.addr, r.auth_type});
    raw[name] = {{"addr", r.addr}, {"auth_type", r.auth_type}};
  }
  sort_rows(rows);
  ctx.out << render_list(format, {"Name", "Address", "Auth Type"}, rows, raw);
}

}  // namespace

void add_remote_commands(CLI::App& app, Context& ctx) {
  CLI::App* grp = app.add_subcommand("remote", "Manage the list of remote Migration Managers");
  grp->require_subcommand(1);

  auto add = std::make_shared<RemoteAdd>();
  CLI::App* c = grp->add_subcommand("add", "Add a new remote");
  c->add_option("name", add->name, "Remote name")->required();
  c->add_option("url", add->url, "https://HOST:PORT")->required();
  c->add_option("--auth-type", add->auth_type, "Server authentication type (tls)");
  c->add_option("--trusted-cert-fingerprint", add->fingerprint,
                "Expected SHA256 fingerprint of the server's certificate (no question asked)");
  c->add_flag("--accept-certificate", add->accept,
              "Trust the certificate the server presents without asking");
  c->callback([&ctx, add] { remote_add(ctx, *add); });

  auto format = std::make_shared<std::string>("table");
  c = grp->add_subcommand("list", "List available remotes");
  c->alias("ls");
  add_format_option(c, *format);
  c->callback([&ctx, format] { remote_list(ctx, *format); });

  auto sw = std::make_shared<std::string>();
  c = grp->add_subcommand("switch", "Switch the default remote");
  c->add_option("name", *sw, "Remote name (\"local\" for the unix socket)")->required();
  c->callback([&ctx, sw] {
    Config& cfg = ctx.config();
    const std::string name = *sw == "local" ? "" : *sw;
    if (!name.empty() && !cfg.remotes.count(name)) {
      throw std::runtime_error("Remote with name " + go_quote(name) + " does not exist");
    }
    cfg.default_remote = name;
    cfg.save();
  });

  auto rm = std::make_shared<std::string>();
  c = grp->add_subcommand("remove", "Remove a remote");
  c->alias("rm");
  c->add_option("name", *rm, "Remote name")->required();
  c->callback([&ctx, rm] {
    if (*rm == "local") throw UsageError("Remote \"local\" can not be removed");
    Config& cfg = ctx.config();
    if (!cfg.remotes.erase(*rm)) {
      throw std::runtime_error("Remote with name " + go_quote(*rm) + " does not exist");
    }
    if (cfg.default_remote == *rm) cfg.default_remote.clear();
    cfg.save();
  });
}

}  // namespace mm::cli
