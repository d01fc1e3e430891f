#include "tests/support/incus_server.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

#include "orchestrator/tls/fingerprint.h"

namespace mm::test {
namespace {

using Clock = std::chrono::steady_clock;

// Debian's incusd; MM_INCUSD overrides it (the fixture's own test of a missing daemon uses that).
std::string incusd_path() {
  const char* env = std::getenv("MM_INCUSD");
  return env != nullptr && *env != '\0' ? env : "/usr/libexec/incus/incusd";
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// Lazily unmounts whatever incusd left mounted under `dir` (deepest first), so it can be removed.
void unmount_under(const std::string& dir) {
  std::vector<std::string> mounts;
  std::istringstream in(slurp("/proc/self/mounts"));
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string device, target;
    fields >> device >> target;
    if (target.rfind(dir, 0) == 0) mounts.push_back(target);
  }
  for (auto it = mounts.rbegin(); it != mounts.rend(); ++it) ::umount2(it->c_str(), MNT_DETACH);
}

}  // namespace

TestCert make_test_cert(const std::string& dir, const std::string& name) {
  TestCert c;
  c.cert_path = dir + "/" + name + ".crt";
  c.key_path = dir + "/" + name + ".key";
  must_run(
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:secp384r1 -nodes -days 30 "
      "-subj /CN=" +
      name + " -keyout " + quote(c.key_path) + " -out " + quote(c.cert_path));
  c.cert_pem = slurp(c.cert_path);
  c.key_pem = slurp(c.key_path);
  c.fingerprint = tls::pem_fingerprint(c.cert_pem).value_or("");
  return c;
}

std::string incus_missing_reason() {
  if (::access(incusd_path().c_str(), X_OK) != 0) {
    return incusd_path() +
           " is missing: install incus-base and incus-client from bookworm-backports "
           "(scripts/install-deps.sh does it)";
  }
  if (run_command("command -v incus").exit_code != 0) {
    return "the incus client is missing: install incus-client (scripts/install-deps.sh)";
  }
  if (::geteuid() != 0) return "the Incus tests start incusd and must run as root";
  return "";
}

IncusServer::IncusServer() {
  if (const std::string why = incus_missing_reason(); !why.empty()) throw std::runtime_error(why);
  tmp_ = std::make_unique<TempDir>();
  dir_ = tmp_->file("incus");
  log_ = tmp_->file("incusd.log");
  ::mkdir(dir_.c_str(), 0711);
  try {
    start();
  } catch (...) {
    stop();
    throw;
  }
}

IncusServer::~IncusServer() {
  stop();
}

void IncusServer::start() {
  const auto begin = Clock::now();
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    ::setpgid(0, 0);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // a crashed test must not leave a daemon behind
    int fd = ::open(log_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      ::dup2(fd, STDOUT_FILENO);
      ::dup2(fd, STDERR_FILENO);
    }
    ::setenv("INCUS_DIR", dir_.c_str(), 1);
    const std::string script =
        "ip link set lo up && exec " + quote(incusd_path()) + " --logfile=" + quote(log_);
    // Its own network namespace (loopback only) and mount namespace (its tmpfs mounts vanish
    // with it, even when the test is killed).
    ::execlp("unshare", "unshare", "-n", "-m", "--propagation", "private", "sh", "-c",
             script.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::setpgid(pid_, pid_);

  // `incus admin waitready` polls the socket until the daemon has finished starting.
  const CommandResult ready =
      run_command("INCUS_DIR=" + quote(dir_) + " timeout 30 incus admin waitready --timeout=25");
  if (ready.exit_code != 0) {
    throw std::runtime_error("incusd did not start: " + ready.err + "\nincusd log:\n" + log());
  }
  const std::string preseed = tmp_->file("preseed.yaml");
  std::ofstream(preseed) << "config:\n  core.https_address: 127.0.0.1:" << kPort
                         << "\nstorage_pools:\n- name: " << pool_
                         << "\n  driver: dir\nprofiles:\n- name: default\n  devices:\n"
                            "    root:\n      path: /\n      pool: "
                         << pool_ << "\n      type: disk\n";
  incus("admin init --preseed < " + quote(preseed));
  trusted_ = make_test_cert(tmp_->path(), "trusted-client");
  untrusted_ = make_test_cert(tmp_->path(), "untrusted-client");
  incus("config trust add-certificate " + quote(trusted_.cert_path));
  server_fingerprint_ = tls::pem_fingerprint(slurp(dir_ + "/server.crt")).value_or("");

  // Join incusd's network namespace, remembering ours to come back to.
  original_netns_ = ::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  const int target = ::open(netns_path().c_str(), O_RDONLY | O_CLOEXEC);
  if (original_netns_ < 0 || target < 0 || ::setns(target, CLONE_NEWNET) != 0) {
    if (target >= 0) ::close(target);
    throw std::runtime_error("cannot join incusd's network namespace " + netns_path());
  }
  ::close(target);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - begin);
  std::fprintf(stderr, "[incus fixture] incusd %d ready in %lld ms (INCUS_DIR=%s)\n", pid_,
               static_cast<long long>(ms.count()), dir_.c_str());
}

void IncusServer::stop() {
  if (original_netns_ >= 0) {
    ::setns(original_netns_, CLONE_NEWNET);
    ::close(original_netns_);
    original_netns_ = -1;
  }
  if (pid_ > 0) {
    // A clean shutdown first; then anything left of its process group is killed.
    run_command("INCUS_DIR=" + quote(dir_) + " timeout 15 " + quote(incusd_path()) +
                " shutdown --timeout=10");
    int status = 0;
    const auto deadline = Clock::now() + std::chrono::seconds(5);
    while (::waitpid(pid_, &status, WNOHANG) == 0) {
      if (Clock::now() > deadline) {
        ::kill(-pid_, SIGKILL);
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &status, 0);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ::kill(-pid_, SIGKILL);  // helpers it forked, if any
    pid_ = -1;
  }
  if (!dir_.empty()) unmount_under(dir_);
}

target::TargetEndpoint IncusServer::endpoint() const {
  target::TargetEndpoint e;
  e.url = url();
  e.tls_client_cert = trusted_.cert_pem;
  e.tls_client_key = trusted_.key_pem;
  e.trusted_fingerprint = server_fingerprint_;
  return e;
}

std::string IncusServer::log() const {
  return slurp(log_);
}

std::string IncusServer::incus(const std::string& args) const {
  return must_run("INCUS_DIR=" + quote(dir_) + " incus " + args);
}

CommandResult IncusServer::try_incus(const std::string& args) const {
  return run_command("INCUS_DIR=" + quote(dir_) + " incus " + args);
}

std::string incus_standin_binary() {
  return std::string(MM_BINARY_DIR) + "/bin/incus-standin";
}

IncusStandin::IncusStandin(const TempDir& dir, const TestCert& trusted,
                           const std::string& extra_args) {
  const std::string bin = incus_standin_binary();
  if (::access(bin.c_str(), X_OK) != 0) {
    throw std::runtime_error(bin + " is missing: build the incus-standin target");
  }
  static int counter = 0;
  const std::string name = "standin" + std::to_string(++counter);
  const std::string addr_file = dir.file(name + ".addr");
  log_ = dir.file(name + ".log");
  const std::string cert = dir.file(name + ".crt");
  proc_ = std::make_unique<BackgroundProcess>(
      "exec " + quote(bin) + " -cert " + quote(cert) + " -key " + quote(dir.file(name + ".key")) +
          " -trust " + quote(trusted.cert_path) + " -addr-file " + quote(addr_file) + " " +
          extra_args,
      log_);
  for (int i = 0; i < 500; ++i) {
    std::string addr = slurp(addr_file);
    if (!addr.empty() && addr.back() == '\n') {
      addr.pop_back();
      url_ = "https://" + addr;
      fingerprint_ = tls::pem_fingerprint(slurp(cert)).value_or("");
      return;
    }
    if (!proc_->running()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  throw std::runtime_error("incus-standin did not start:\n" + slurp(log_));
}

IncusStandin::~IncusStandin() = default;  // BackgroundProcess kills its group

target::TargetEndpoint IncusStandin::endpoint(const TestCert& client) const {
  target::TargetEndpoint e;
  e.url = url_;
  e.tls_client_cert = client.cert_pem;
  e.tls_client_key = client.key_pem;
  e.trusted_fingerprint = fingerprint_;
  return e;
}

std::string IncusStandin::log() const {
  return slurp(log_);
}

namespace {
std::unique_ptr<IncusServer> g_server;
std::string g_failure;
}  // namespace

void IncusEnvironment::SetUp() {
  try {
    g_server = std::make_unique<IncusServer>();
  } catch (const std::exception& e) {
    g_failure = e.what();
    FAIL() << "Incus test fixture: " << g_failure;
  }
}

void IncusEnvironment::TearDown() {
  g_server.reset();
}

IncusServer& IncusEnvironment::server() {
  if (!g_server)
    throw std::runtime_error("no incusd: " + (g_failure.empty() ? "not started" : g_failure));
  return *g_server;
}

}  // namespace mm::test
