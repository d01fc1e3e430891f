#pragma once
// Test fixtures for the Incus target: a private, real incusd, and the VM stand-in.
//
// IncusServer starts /usr/libexec/incus/incusd with INCUS_DIR in a temporary directory (it never
// touches /var/lib/incus) inside its own network namespace (`unshare -n`, loopback only) and
// mount namespace (its tmpfs mounts never leak into ours), preseeds a `dir` storage pool
// "default" and core.https_address 127.0.0.1:8443 (every port is free in a fresh namespace), and
// trusts a client certificate made with the openssl command (and makes an untrusted one).
// The constructing thread then JOINS that network namespace, so it (and every process it starts
// afterwards, e.g. migration-managerd or the stand-in) reaches https://127.0.0.1:8443; the
// destructor moves the thread back, shuts incusd down (`incusd shutdown`, then SIGKILL to its
// process group) and removes the directory. incusd also gets SIGKILL if the test process dies.
//
// One daemon per test binary: register IncusEnvironment, then use IncusEnvironment::server().
// When incusd is missing the environment fails the binary with a message saying how to install it.
#include <sys/types.h>

#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "orchestrator/target/target_status.h"
#include "tests/support/servers.h"

namespace mm::test {

struct TestCert {
  std::string cert_path;
  std::string key_path;
  std::string cert_pem;
  std::string key_pem;
  std::string fingerprint;  // lower-case hex SHA-256
};

// A self-signed EC P-384 client certificate made by the openssl command, files NAME.crt/NAME.key.
TestCert make_test_cert(const std::string& dir, const std::string& name);

// "" when incusd and the incus client are installed, else what to do about it.
std::string incus_missing_reason();

class IncusServer {
 public:
  static constexpr int kPort = 8443;

  IncusServer();  // throws std::runtime_error with incusd's log on failure
  ~IncusServer();
  IncusServer(const IncusServer&) = delete;
  IncusServer& operator=(const IncusServer&) = delete;

  const std::string& dir() const { return dir_; }  // INCUS_DIR
  std::string socket_path() const { return dir_ + "/unix.socket"; }
  std::string unix_url() const { return "unix://" + socket_path(); }
  std::string url() const { return "https://127.0.0.1:" + std::to_string(kPort); }
  const std::string& server_fingerprint() const { return server_fingerprint_; }
  const std::string& pool() const { return pool_; }  // "default", driver dir
  std::string pool_source() const { return dir_ + "/storage-pools/" + pool_; }
  const TestCert& trusted_client() const { return trusted_; }
  const TestCert& untrusted_client() const { return untrusted_; }  // made, never trusted
  // url(), the trusted client certificate and the server's fingerprint pinned.
  target::TargetEndpoint endpoint() const;
  pid_t pid() const { return pid_; }
  std::string netns_path() const { return "/proc/" + std::to_string(pid_) + "/ns/net"; }
  std::string mntns_path() const { return "/proc/" + std::to_string(pid_) + "/ns/mnt"; }
  std::string log() const;
  const std::string& scratch_dir() const { return tmp_->path(); }  // for the test's own files

  // Runs the incus command-line client against this daemon; throws on failure.
  std::string incus(const std::string& args) const;
  // The same, returning the exit code and output instead of throwing.
  CommandResult try_incus(const std::string& args) const;

  void stop();

 private:
  void start();
  std::unique_ptr<TempDir> tmp_;
  std::string dir_, log_, pool_ = "default", server_fingerprint_;
  TestCert trusted_, untrusted_;
  pid_t pid_ = -1;
  int original_netns_ = -1;
};

// The VM stand-in (tests/incus/standin, built as bin/incus-standin): HTTPS on 127.0.0.1 (a free
// port of the calling thread's network namespace), trusting `trusted`. Killed by the destructor.
class IncusStandin {
 public:
  IncusStandin(const TempDir& dir, const TestCert& trusted, const std::string& extra_args = "");
  ~IncusStandin();
  const std::string& url() const { return url_; }
  const std::string& server_fingerprint() const { return fingerprint_; }
  target::TargetEndpoint endpoint(const TestCert& client) const;
  std::string log() const;

 private:
  std::string log_, url_, fingerprint_;
  std::unique_ptr<BackgroundProcess> proc_;
};

std::string incus_standin_binary();

// One IncusServer for the whole test binary:
//   static auto* const env = ::testing::AddGlobalTestEnvironment(new mm::test::IncusEnvironment);
class IncusEnvironment : public ::testing::Environment {
 public:
  void SetUp() override;
  void TearDown() override;
  // The running server; throws std::runtime_error (failing the calling test) when SetUp failed.
  static IncusServer& server();
};

}  // namespace mm::test
