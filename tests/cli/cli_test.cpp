// The migration-manager binary against a real migration-managerd: the documents' prompts fed on
// stdin and compared with the documents, list formats, remotes over HTTPS and error paths.
// Sources and targets point at a closed loopback port (tests talk to nothing else), so their
// connectivity status is "Cannot connect" and the outcome lines and tables say so; the documents'
// own outcome ("untrusted certificate", then "OK") is replayed against real servers in
// tests/replay.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "orchestrator/tls/fingerprint.h"
#include "tests/cli/doc_table.h"
#include "tests/cli/testdata_util.h"
#include "tests/daemon/daemon_fixture.h"

namespace mm::test {
namespace {

std::string sh_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// A loopback port that refuses connections: bound but never listening, for the fixture's life.
class ClosedPort {
 public:
  ClosedPort() : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&a), len) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
      throw std::runtime_error("cannot bind a loopback port");
    }
    port_ = ntohs(a.sin_port);
  }
  ~ClosedPort() { ::close(fd_); }
  ClosedPort(const ClosedPort&) = delete;
  ClosedPort& operator=(const ClosedPort&) = delete;
  std::string url() const { return "https://127.0.0.1:" + std::to_string(port_); }

 private:
  int fd_;
  int port_ = 0;
};

class Cli : public ::testing::Test {
 protected:
  void SetUp() override {
    daemon_ = std::make_unique<Daemon>(tmp_, tmp_.file("state"));
    conf_ = tmp_.file("conf");
  }

  CommandResult run(const std::string& args, const std::string& input = "",
                    const std::string& socket = "") {
    const std::string in = tmp_.file("stdin-" + std::to_string(n_++));
    std::ofstream(in, std::ios::binary) << input;
    return run_command(
        "MIGRATION_MANAGER_SOCKET=" + sh_quote(socket.empty() ? daemon_->socket() : socket) +
        " MIGRATION_MANAGER_CONF=" + sh_quote(conf_) + " " + MM_BINARY_DIR +
        "/bin/migration-manager " + args + " < " + in);
  }

  // Runs `args`, which must print a table; parsed.
  DocTable table(const std::string& args) {
    const CommandResult r = run(args);
    EXPECT_EQ(r.exit_code, 0) << args << ": " << r.err;
    return parse_table(r.out);
  }

  TempDir tmp_;
  std::unique_ptr<Daemon> daemon_;
  std::string conf_;
  int n_ = 0;
  ClosedPort closed_;   // the endpoint of every source and target here
  ClosedPort closed2_;  // a second one
};

const std::string kSourceFp = "ba4f5b7749bc76e11fdce0dba27c49e6c379cfb9b4c7de14844442d9b6df5726";
const std::string kTargetFp = "d0d4e9f057523006b30ba8e1f269d048238853786956d7285ca325077ba5e8ca";

const std::string kDocSourceEndpoint = "https://10.10.0.3";
const std::string kDocTargetEndpoint = "https://10.1.0.101:8443";

// What the CLI says on stderr after saving a source or target it cannot reach.
std::string cannot_connect(const std::string& head, const std::string& noun) {
  return head + ", but connectivity check reported an issue: Cannot connect. Please update the " +
         noun + " to correct the issue.\n";
}

TEST_F(Cli, RegisterASourceAsTheDocument) {
  const std::string url = closed_.url();
  const Transcript add =
      transcript(substitute(testdata("source_add.txt"), {{kDocSourceEndpoint, url}}));
  CommandResult r = run("source add \"esxi01\" \"" + url + "\"", add.input);
  EXPECT_EQ(r.out, add.prompts);
  EXPECT_EQ(r.err, cannot_connect("Successfully added new source \"esxi01\"", "source"));
  EXPECT_EQ(r.exit_code, 1);
  // The password reached the daemon but is never shown back.
  const auto src = daemon_->unix_call("GET", "/1.0/sources/esxi01");
  EXPECT_EQ(src.body["metadata"]["properties"]["username"], "user");
  EXPECT_EQ(src.body["metadata"]["properties"]["connectivity_status"], "Cannot connect");
  EXPECT_FALSE(src.body["metadata"]["properties"].contains("password"));

  // The document's table, but this endpoint and status.
  DocTable want = parse_table(testdata("source_list_untrusted.txt"));
  want.cell("Name", "esxi01", "Endpoint") = url;
  want.cell("Name", "esxi01", "Connectivity Status") = "Cannot connect";
  DocTable got = table("source list");
  EXPECT_EQ(got.header, want.header);
  EXPECT_EQ(got.rows, want.rows);

  const Transcript upd =
      transcript(substitute(testdata("source_update.txt"), {{kDocSourceEndpoint, url}}));
  r = run("source update \"esxi01\"", upd.input);
  EXPECT_EQ(r.out, upd.prompts);
  EXPECT_EQ(r.err, cannot_connect("Successfully updated source \"esxi01\"", "source"));
  EXPECT_EQ(r.exit_code, 1);

  want = parse_table(testdata("source_list_ok.txt"));
  want.cell("Name", "esxi01", "Endpoint") = url;
  want.cell("Name", "esxi01", "Connectivity Status") = "Cannot connect";
  got = table("source list");
  EXPECT_EQ(got.header, want.header);
  EXPECT_EQ(got.rows, want.rows);

  // The four formats of one list.
  r = run("source list -f csv");
  EXPECT_EQ(r.out, "esxi01,vmware," + url + ",Cannot connect,user," + kSourceFp + "\n");
  r = run("source list -f csv,header");
  EXPECT_EQ(lines_of(r.out).at(0),
            "Name,Type,Endpoint,Connectivity Status,Username,Trusted TLS Cert SHA256 Fingerprint");
  r = run("source list -f json");
  const auto j = nlohmann::json::parse(r.out);
  ASSERT_TRUE(j.is_array());
  EXPECT_EQ(j.at(0)["name"], "esxi01");
  EXPECT_EQ(j.at(0)["properties"]["trusted_server_certificate_fingerprint"], kSourceFp);
  r = run("source list -f yaml");
  EXPECT_NE(r.out.find("- name: esxi01\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("trusted_server_certificate_fingerprint: " + kSourceFp), std::string::npos);
  r = run("source list -f xml");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("Run with --help"), std::string::npos);

  r = run("source show esxi01");
  EXPECT_NE(r.out.find("name: esxi01\n"), std::string::npos);

  r = run("source remove esxi01");
  EXPECT_EQ(r.out, "Successfully removed source \"esxi01\".\n");
  EXPECT_EQ(run("source list").out,
            "+------+------+----------+---------------------+----------+---------------------------"
            "----------+\n"
            "| Name | Type | Endpoint | Connectivity Status | Username | Trusted TLS Cert SHA256 "
            "Fingerprint |\n"
            "+------+------+----------+---------------------+----------+---------------------------"
            "----------+\n");
}

TEST_F(Cli, FlagsNeverPrompt) {
  CommandResult r = run("source add esxi02 " + closed_.url() +
                        " --username admin --password pw --import-limit 7");
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, cannot_connect("Successfully added new source \"esxi02\"", "source"));
  const auto src = daemon_->unix_call("GET", "/1.0/sources/esxi02");
  EXPECT_EQ(src.body["metadata"]["properties"]["import_limit"], 7);
  r = run("source update esxi02 --trusted-cert-fingerprint " + kSourceFp);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, cannot_connect("Successfully updated source \"esxi02\"", "source"));
  EXPECT_EQ(daemon_->unix_call("GET", "/1.0/sources/esxi02")
                .body["metadata"]["properties"]["trusted_server_certificate_fingerprint"],
            kSourceFp);
  r = run("source update esxi02 --trusted-cert-fingerprint nothex");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "Error: Invalid SHA256 fingerprint\n");
}

TEST_F(Cli, RegisterATargetAsTheDocument) {
  const ClientCert cert = make_client_cert(tmp_, "incus-client");
  const std::string url = closed_.url();
  const std::map<std::string, std::string> ours = {{kDocTargetEndpoint, url},
                                                   {"/path/to/client.crt", cert.cert},
                                                   {"/path/to/client.key", cert.key}};
  const Transcript add = transcript(substitute(testdata("target_add.txt"), ours));
  CommandResult r = run("target add \"incus01\" \"" + url + "\"", add.input);
  EXPECT_EQ(r.out, add.prompts);
  EXPECT_EQ(r.err, cannot_connect("Successfully added new target \"incus01\"", "target"));
  EXPECT_EQ(r.exit_code, 1);
  const auto tgt = daemon_->unix_call("GET", "/1.0/targets/incus01");
  EXPECT_EQ(tgt.body["metadata"]["properties"]["tls_client_cert"], read_text(cert.cert));
  EXPECT_EQ(tgt.body["metadata"]["properties"]["connectivity_status"], "Cannot connect");

  const Transcript upd = transcript(substitute(testdata("target_update.txt"), ours));
  r = run("target update incus01", upd.input);
  EXPECT_EQ(r.out, upd.prompts);
  EXPECT_EQ(r.err, cannot_connect("Successfully updated target \"incus01\"", "target"));
  EXPECT_EQ(r.exit_code, 1);

  DocTable want = parse_table(testdata("target_list.txt"));
  want.cell("Name", "incus01", "Endpoint") = url;
  want.cell("Name", "incus01", "Connectivity Status") = "Cannot connect";
  const DocTable got = table("target list");
  EXPECT_EQ(got.header, want.header);
  EXPECT_EQ(got.rows, want.rows);
  r = run("target list -f csv");
  EXPECT_EQ(r.out, "incus01,incus," + url + ",Cannot connect,TLS," + kTargetFp + "\n");

  // A path that is not there is refused and asked again.
  r = run("target add incus02 " + closed2_.url(),
          "\n\n\ntls\n/nonexistent\n" + cert.cert + "\n" + cert.key + "\n");
  EXPECT_NE(r.err.find("Invalid input: Cannot read file"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(cannot_connect("Successfully added new target \"incus02\"", "target")),
            std::string::npos)
      << r.err;
  EXPECT_EQ(daemon_->unix_call("GET", "/1.0/targets/incus02").status, 200);
}

TEST_F(Cli, ErrorsAreOneLineAndExitOne) {
  CommandResult r = run("source show nope");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "Error: source \"nope\" not found\n");
  r = run("target remove nope");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "Error: target \"nope\" not found\n");
  r = run("source add onlyname");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("Run with --help for more information."), std::string::npos);
  r = run("frobnicate");
  EXPECT_EQ(r.exit_code, 1);
  r = run("source add esxi01 " + closed_.url(), "user\n");  // stdin ends mid-dialogue
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(lines_of(r.err).back(), "Error: Unexpected end of input while waiting for an answer");
  EXPECT_EQ(daemon_->unix_call("GET", "/1.0/sources/esxi01").status, 404);
  r = run("source list", "", tmp_.file("no-such.sock"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err.rfind("Error: Failed to connect to the local daemon at ", 0), 0u) << r.err;
  r = run("--help");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("source"), std::string::npos);
}

TEST_F(Cli, InventoryListsHaveTheDocumentsColumns) {
  struct Case {
    const char* args;
    const char* file;
  };
  for (const Case c :
       {Case{"instance list", "instance_list.txt"}, Case{"network list", "network_list.txt"},
        Case{"warning list", "warning_list.txt"}}) {
    // Header names in the documents' order (no rows: this daemon has no source).
    const DocTable got = table(c.args);
    EXPECT_EQ(got.header, parse_table(testdata(c.file)).header) << c.args;
    EXPECT_TRUE(got.rows.empty()) << c.args;
  }
}

TEST_F(Cli, RemotesOverHttps) {
  const std::string server_fp =
      *tls::pem_fingerprint(read_text(tmp_.file("state") + "/server.crt"));
  const std::string url = "https://127.0.0.1:" + std::to_string(daemon_->port());

  CommandResult r = run("remote add r1 " + url, "no\n");
  EXPECT_EQ(r.out, "Server presented an untrusted TLS certificate with SHA256 fingerprint " +
                       server_fp + ". Is this the correct fingerprint? (yes/no) [default=no]: ");
  EXPECT_EQ(r.err, "Error: Aborting due to untrusted server TLS certificate\n");

  r = run("remote add r1 " + url, "yes\n");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("does not trust this client yet"), std::string::npos) << r.out;
  // The client's key is private; its certificate is what the user gives the server.
  EXPECT_EQ(
      std::filesystem::status(conf_ + "/client.key").permissions() & std::filesystem::perms::all,
      std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  const std::string client_fp = *tls::pem_fingerprint(read_text(conf_ + "/client.crt"));
  EXPECT_NE(r.out.find(client_fp), std::string::npos);

  r = run("remote list");
  EXPECT_EQ(r.out,
            "+-----------------+-------------------------+-------------+\n"
            "|      Name       |         Address         |  Auth Type  |\n"
            "+-----------------+-------------------------+-------------+\n"
            "| local (current) | unix://                 | file access |\n"
            "+-----------------+-------------------------+-------------+\n"
            "| r1              | " +
                url + std::string(24 - url.size(), ' ') +
                "| tls         |\n"
                "+-----------------+-------------------------+-------------+\n");

  ASSERT_EQ(run("remote switch r1").exit_code, 0);
  r = run("source list");  // not trusted yet: the daemon's 403 message
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err.rfind("Error: ", 0), 0u);

  nlohmann::json trust = {{"name", "cli"}, {"certificate", read_text(conf_ + "/client.crt")}};
  ASSERT_EQ(daemon_->unix_call("POST", "/1.0/certificates", trust.dump()).status, 201);
  r = run("source add esxi09 " + closed_.url() + " --username u --password p");
  EXPECT_EQ(r.err, cannot_connect("Successfully added new source \"esxi09\"", "source"));
  r = run("source list -f csv");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "esxi09,vmware," + closed_.url() + ",Cannot connect,u,\n");
  // --force-local goes to the socket whatever the default remote is.
  EXPECT_EQ(run("--force-local source list -f csv", "", tmp_.file("gone.sock")).exit_code, 1);

  EXPECT_NE(run("remote list").out.find("| r1 (current)"), std::string::npos);
  EXPECT_EQ(run("remote add r1 " + url + " --accept-certificate").err,
            "Error: Remote with name \"r1\" already exists\n");
  EXPECT_EQ(run("remote add r2 " + url + " --trusted-cert-fingerprint " + server_fp).exit_code, 0);
  EXPECT_EQ(run("remote remove local").exit_code, 1);
  ASSERT_EQ(run("remote remove r1").exit_code, 0);
  ASSERT_EQ(run("remote remove r2").exit_code, 0);
  EXPECT_EQ(run("remote remove r1").err, "Error: Remote with name \"r1\" does not exist\n");
  EXPECT_NE(run("remote list").out.find("| local (current) |"), std::string::npos);
  EXPECT_EQ(run("remote add r3 http://127.0.0.1:1").exit_code, 1);
}

}  // namespace
}  // namespace mm::test
