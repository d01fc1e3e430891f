#pragma once
// A real migration-managerd process on a state dir, HTTPS on a loopback port it picks and a unix
// socket, talked to with curl (a client independent of our own code), and client certificates
// made with the openssl command.
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "tests/support/servers.h"

namespace mm::test {

struct HttpResult {
  int status = 0;
  nlohmann::json body;
  std::string raw;
};

struct ClientCert {
  std::string cert;  // paths
  std::string key;
};

class Daemon {
 public:
  // Starts the daemon on `state_dir` and waits until both listeners are up.
  Daemon(const TempDir& tmp, const std::string& state_dir);
  ~Daemon();

  void stop_gracefully();  // SIGTERM, then wait; expects exit 0
  void kill_hard();
  const std::string& log_path() const { return log_; }
  std::string log() const;
  int port() const { return port_; }
  const std::string& socket() const { return socket_; }

  HttpResult unix_call(const std::string& method, const std::string& path,
                       const std::string& body = "") const;
  // Over HTTPS; an empty cert sends no client certificate.
  HttpResult https_call(const ClientCert& cert, const std::string& method, const std::string& path,
                        const std::string& body = "") const;

 private:
  HttpResult curl(const std::string& args, const std::string& method, const std::string& url,
                  const std::string& body) const;
  const TempDir& tmp_;
  std::string socket_;
  std::string log_;
  int port_ = 0;
  std::unique_ptr<BackgroundProcess> proc_;
};

// A self-signed EC client certificate made by the openssl command in `dir`.
ClientCert make_client_cert(const TempDir& dir, const std::string& name);
std::string read_text(const std::string& path);
std::string daemon_binary();

}  // namespace mm::test
