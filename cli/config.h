#pragma once
// The CLI's own configuration: remotes (HTTPS daemons with their pinned certificates), which one
// is the default, and the client certificate this CLI presents to them. Kept as YAML in
// $MIGRATION_MANAGER_CONF, else $XDG_CONFIG_HOME/migration-manager, else
// ~/.config/migration-manager (config.yml, client.crt, client.key).
#include <map>
#include <string>

namespace mm::cli {

struct Remote {
  std::string addr;  // https://HOST:PORT
  std::string auth_type = "tls";
  std::string server_cert;  // PEM of the certificate the user confirmed
};

struct Config {
  std::string dir;
  std::string default_remote;  // "" = the local unix socket
  std::map<std::string, Remote> remotes;

  // Reads dir/config.yml if present (a missing file is an empty config). Throws on a bad file.
  static Config load(const std::string& dir);
  void save() const;  // written to a temporary file and renamed into place

  std::string client_cert_path() const { return dir + "/client.crt"; }
  std::string client_key_path() const { return dir + "/client.key"; }
  // Generates the client certificate and key (EC P-384, key mode 0600) when missing; returns
  // the certificate's SHA-256 fingerprint.
  std::string ensure_client_cert() const;
};

std::string default_config_dir();
// $MIGRATION_MANAGER_SOCKET, else $MIGRATION_MANAGER_DIR/unix.socket, else the daemon's default
// /var/lib/migration-manager/unix.socket.
std::string local_socket_path();

}  // namespace mm::cli
