#include "tests/daemon/daemon_fixture.h"

#include <signal.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace mm::test {
namespace {

std::string quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

}  // namespace

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string daemon_binary() {
  return std::string(MM_BINARY_DIR) + "/bin/migration-managerd";
}

ClientCert make_client_cert(const TempDir& dir, const std::string& name) {
  ClientCert c{dir.file(name + ".crt"), dir.file(name + ".key")};
  must_run(
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-384 -nodes -days 2 -subj /CN=" +
      name + " -keyout " + c.key + " -out " + c.cert);
  return c;
}

Daemon::Daemon(const TempDir& tmp, const std::string& state_dir) : tmp_(tmp) {
  static std::atomic<int> n{0};
  const std::string id = std::to_string(n++);
  socket_ = tmp.file("mmd" + id + ".sock");
  log_ = tmp.file("mmd" + id + ".log");
  // exec: the shell is replaced, so signals reach the daemon itself.
  proc_ = std::make_unique<BackgroundProcess>(
      "exec " + daemon_binary() + " --state-dir " + quote(state_dir) +
          " --listen 127.0.0.1:0 --socket " + quote(socket_),
      log_);
  const std::regex https_re("listening on https://127\\.0\\.0\\.1:([0-9]+)");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    std::smatch m;
    const std::string text = read_text(log_);
    if (std::regex_search(text, m, https_re)) {
      port_ = std::stoi(m[1]);
      return;
    }
    if (!proc_->running()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  throw std::runtime_error("migration-managerd did not start; log:\n" + read_text(log_));
}

Daemon::~Daemon() {
  if (proc_) proc_->kill_hard();
}

void Daemon::stop_gracefully() {
  ::kill(proc_->pid(), SIGTERM);
  const int rc = proc_->wait();
  if (rc != 0) throw std::runtime_error("daemon exited " + std::to_string(rc) + "\n" + log());
}

void Daemon::kill_hard() {
  proc_->kill_hard();
}

std::string Daemon::log() const {
  return read_text(log_);
}

HttpResult Daemon::curl(const std::string& args, const std::string& method, const std::string& url,
                        const std::string& body) const {
  static std::atomic<int> n{0};
  const std::string id = std::to_string(n++);
  const std::string out = tmp_.file("curl-out-" + id);
  std::string cmd = "curl -sS --max-time 20 -o " + out + " -w '%{http_code}' -X " + method + " " +
                    args + " -H 'Content-Type: application/json' ";
  if (!body.empty()) {
    const std::string in = tmp_.file("curl-in-" + id);
    std::ofstream(in, std::ios::binary) << body;
    cmd += "--data-binary @" + in + " ";
  }
  cmd += quote(url);
  const CommandResult r = run_command(cmd);
  HttpResult h;
  h.status = std::atoi(r.out.c_str());
  h.raw = read_text(out);
  h.body = nlohmann::json::parse(h.raw, nullptr, false);
  return h;
}

HttpResult Daemon::unix_call(const std::string& method, const std::string& path,
                             const std::string& body) const {
  return curl("--unix-socket " + quote(socket_), method, "http://localhost" + path, body);
}

HttpResult Daemon::https_call(const ClientCert& cert, const std::string& method,
                              const std::string& path, const std::string& body) const {
  // -k: the daemon's certificate is self-signed; tests check its fingerprint separately.
  std::string args = "-k --tlsv1.2";
  if (!cert.cert.empty()) args += " --cert " + quote(cert.cert) + " --key " + quote(cert.key);
  return curl(args, method, "https://127.0.0.1:" + std::to_string(port_) + path, body);
}

}  // namespace mm::test
