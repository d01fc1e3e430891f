#include "cli/context.h"

#include <algorithm>
#include <cctype>

#include "orchestrator/tls/fingerprint.h"

namespace mm::cli {

Context::Context(std::istream& in_, std::ostream& out_, std::ostream& err_, bool terminal)
    : in(in_),
      out(out_),
      err(err_),
      stdin_terminal(terminal),
      asker(in_, out_, err_, terminal),
      config_dir(default_config_dir()) {}

Config& Context::config() {
  if (!config_) config_ = Config::load(config_dir);
  return *config_;
}

namespace {
Client client_for_socket(const std::string& socket) {
  Endpoint ep;
  ep.socket = socket;
  return Client(ep);
}
}  // namespace

Client Context::client() {
  Config& c = config();
  if (force_local || c.default_remote.empty()) return client_for_socket(local_socket_path());
  const auto it = c.remotes.find(c.default_remote);
  if (it == c.remotes.end() || it->second.addr.empty()) {
    err << "Warning: default remote \"" << c.default_remote
        << "\" is misconfigured, falling back to local unix socket\n";
    return client_for_socket(local_socket_path());
  }
  Endpoint ep;
  ep.https = true;
  parse_https_url(it->second.addr, ep.host, ep.port);
  const auto fp = tls::pem_fingerprint(it->second.server_cert);
  if (!fp)
    throw std::runtime_error("Remote \"" + c.default_remote + "\" has no pinned certificate");
  ep.pinned_fingerprint = *fp;
  ep.cert_file = c.client_cert_path();
  ep.key_file = c.client_key_path();
  return Client(ep);
}

std::string canonical_fingerprint(const std::string& s) {
  std::string out;
  for (char ch : s) {
    if (ch != ':') out += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  }
  return out;
}

void validate_sha256(const std::string& s) {
  if (s.empty()) return;
  const std::string c = canonical_fingerprint(s);
  const bool ok = c.size() == 64 && std::all_of(c.begin(), c.end(), [](unsigned char ch) {
                    return std::isxdigit(ch) != 0;
                  });
  if (!ok) throw std::invalid_argument("Invalid SHA256 fingerprint");
}

}  // namespace mm::cli
