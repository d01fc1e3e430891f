// migration-managerd as a process: HTTPS with real client certificates, the unix socket, restart,
// SIGTERM and kill -9, and the password kept out of the files, the log and every answer.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <filesystem>
#include <set>
#include <thread>

#include "tests/daemon/daemon_fixture.h"

namespace mm::test {
namespace {

using nlohmann::json;

std::string source_body(const std::string& name, const std::string& password = "pw") {
  return json{{"name", name},
              {"source_type", "vmware"},
              {"properties",
               {{"endpoint", "https://127.0.0.1:1"}, {"username", "user"}, {"password", password}}}}
      .dump();
}

std::string target_body(const std::string& name) {
  return json{{"name", name},
              {"target_type", "incus"},
              {"properties",
               {{"endpoint", "https://127.0.0.1:2"},
                {"tls_client_cert", "CERT"},
                {"tls_client_key", "KEY"}}}}
      .dump();
}

void trust(const Daemon& d, const ClientCert& c) {
  const HttpResult r =
      d.unix_call("POST", "/1.0/certificates",
                  json{{"name", "client"}, {"certificate", read_text(c.cert)}}.dump());
  ASSERT_EQ(r.status, 201) << r.raw;
}

mode_t mode_of(const std::string& path) {
  struct stat st {};
  ::stat(path.c_str(), &st);
  return st.st_mode & 0777;
}

TEST(Daemon, FirstStartCreatesIdentityAndServesInfo) {
  TempDir tmp;
  const std::string state = tmp.file("state");
  Daemon d(tmp, state);
  const HttpResult r = d.unix_call("GET", "/1.0");
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(r.body["metadata"]["api_version"], "1.0");
  EXPECT_EQ(r.body["metadata"]["auth"], "trusted");
  // The fingerprint the API reports is the certificate's, as openssl computes it.
  std::string fp =
      must_run("openssl x509 -in " + state + "/server.crt -noout -fingerprint -sha256");
  fp = fp.substr(fp.find('=') + 1);
  std::string hex;
  for (char c : fp) {
    if (std::isxdigit(static_cast<unsigned char>(c))) hex += static_cast<char>(std::tolower(c));
  }
  EXPECT_EQ(r.body["metadata"]["environment"]["certificate_fingerprint"], hex);
  EXPECT_NE(must_run("openssl x509 -in " + state + "/server.crt -noout -text").find("384"),
            std::string::npos);
  EXPECT_EQ(mode_of(state + "/server.key"), 0600u);
  EXPECT_EQ(mode_of(state + "/secret.key"), 0600u);
  EXPECT_EQ(mode_of(d.socket()), 0660u);
  // TLS below 1.2 is refused at the handshake.
  const CommandResult old =
      run_command("curl -sk --tls-max 1.1 https://127.0.0.1:" + std::to_string(d.port()) + "/1.0");
  EXPECT_NE(old.exit_code, 0);
}

TEST(Daemon, UntrustedClientsGet403OnEveryRoute) {
  TempDir tmp;
  Daemon d(tmp, tmp.file("state"));
  ASSERT_EQ(d.unix_call("POST", "/1.0/sources", source_body("esxi01")).status, 201);
  const ClientCert stranger = make_client_cert(tmp, "stranger");
  for (const ClientCert& c : {ClientCert{}, stranger}) {
    for (const char* m : {"GET", "POST", "PUT", "DELETE"}) {
      for (const char* p :
           {"/", "/1.0", "/1.0/sources", "/1.0/sources/esxi01", "/1.0/sources/esxi01/:sync",
            "/1.0/targets", "/1.0/targets/x", "/1.0/certificates", "/1.0/instances",
            "/1.0/instances/x", "/1.0/instances/x/override", "/1.0/networks", "/1.0/networks/x",
            "/1.0/networks/x/override", "/1.0/warnings", "/1.0/warnings/x", "/1.0/nothing"}) {
        const HttpResult r = d.https_call(c, m, p, std::string(m) == "GET" ? "" : source_body("z"));
        EXPECT_EQ(r.status, 403) << m << " " << p << " " << r.raw;
        EXPECT_EQ(r.body.value("type", ""), "error") << r.raw;
        EXPECT_EQ(r.body.value("error_code", 0), 403) << r.raw;
      }
    }
  }
  // Nothing an untrusted client sent got in.
  const HttpResult list = d.unix_call("GET", "/1.0/sources");
  EXPECT_EQ(list.body["metadata"], json::array({"/1.0/sources/esxi01"}));
}

// Raw bytes to the unix socket, everything the daemon answers until it closes the connection.
std::string raw_exchange(const std::string& socket_path, const std::string& request) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", socket_path.c_str());
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return "";
  }
  (void)!::write(fd, request.data(), request.size());
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) out.append(buf, static_cast<size_t>(n));
  ::close(fd);
  return out;
}

size_t count_of(const std::string& haystack, const std::string& needle) {
  size_t n = 0;
  for (size_t p = haystack.find(needle); p != std::string::npos; p = haystack.find(needle, p + 1)) {
    ++n;
  }
  return n;
}

TEST(Daemon, PipelinedRequestsAndMalformedHttp) {
  TempDir tmp;
  Daemon d(tmp, tmp.file("state"));
  const std::string two =
      "GET /1.0/sources HTTP/1.1\r\nHost: x\r\n\r\n"
      "GET /1.0/targets HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  EXPECT_EQ(count_of(raw_exchange(d.socket(), two), "HTTP/1.1 200 OK"), 2u);
  const std::string bad = raw_exchange(d.socket(), "GARBAGE\r\n\r\n");
  EXPECT_NE(bad.find("HTTP/1.1 400"), std::string::npos) << bad;
  EXPECT_NE(bad.find("\"error_code\":400"), std::string::npos) << bad;
}

TEST(Daemon, UntrustedHugeBodyGets403Not413) {
  TempDir tmp;
  Daemon d(tmp, tmp.file("state"));
  const HttpResult r =
      d.https_call(ClientCert{}, "POST", "/1.0/sources", std::string(2 << 20, 'x'));
  EXPECT_EQ(r.status, 403) << r.raw;
}

TEST(Daemon, TrustedClientCrudOverHttps) {
  TempDir tmp;
  Daemon d(tmp, tmp.file("state"));
  const ClientCert me = make_client_cert(tmp, "admin");
  trust(d, me);
  HttpResult r = d.https_call(me, "GET", "/1.0");
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(r.body["metadata"]["auth"], "trusted");

  EXPECT_EQ(d.https_call(me, "POST", "/1.0/sources", source_body("esxi01")).status, 201);
  EXPECT_EQ(d.https_call(me, "POST", "/1.0/sources", source_body("esxi01")).status, 409);
  EXPECT_EQ(d.https_call(me, "POST", "/1.0/targets", target_body("incus01")).status, 201);
  r = d.https_call(me, "GET", "/1.0/targets/incus01");
  EXPECT_EQ(r.body["metadata"]["properties"]["endpoint"], "https://127.0.0.1:2");

  json upd = json::parse(source_body("esxi01"));
  upd["properties"]["import_limit"] = 7;
  r = d.https_call(me, "PUT", "/1.0/sources/esxi01", upd.dump());
  EXPECT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(
      d.https_call(me, "GET", "/1.0/sources/esxi01").body["metadata"]["properties"]["import_limit"],
      7);

  r = d.https_call(me, "POST", "/1.0/sources", R"({"name":"a","properties":{"endpoint":5}})");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.value("error", "").find("properties.endpoint"), std::string::npos) << r.raw;
  EXPECT_EQ(d.https_call(me, "POST", "/1.0/sources", "{").status, 400);
  EXPECT_EQ(d.https_call(me, "PATCH", "/1.0/sources/esxi01", "{}").status, 405);
  EXPECT_EQ(d.https_call(me, "GET", "/1.0/sources/nope").status, 404);
  r = d.https_call(me, "POST", "/1.0/sources", std::string(2 << 20, 'x'));
  EXPECT_EQ(r.status, 413) << r.raw;

  EXPECT_EQ(d.https_call(me, "DELETE", "/1.0/sources/esxi01").status, 200);
  EXPECT_EQ(d.https_call(me, "DELETE", "/1.0/targets/incus01").status, 200);
  EXPECT_EQ(d.https_call(me, "GET", "/1.0/sources").body["metadata"], json::array());
}

TEST(Daemon, RestartKeepsEverythingAndSigtermExitsCleanly) {
  TempDir tmp;
  const std::string state = tmp.file("state");
  const ClientCert me = make_client_cert(tmp, "admin");
  std::string fingerprint;
  {
    Daemon d(tmp, state);
    trust(d, me);
    ASSERT_EQ(d.https_call(me, "POST", "/1.0/sources", source_body("esxi01")).status, 201);
    ASSERT_EQ(d.https_call(me, "POST", "/1.0/targets", target_body("incus01")).status, 201);
    fingerprint =
        d.unix_call("GET", "/1.0").body["metadata"]["environment"]["certificate_fingerprint"];
    d.stop_gracefully();
    EXPECT_NE(d.log().find("stopped"), std::string::npos);
    EXPECT_FALSE(std::filesystem::exists(d.socket()));
  }
  Daemon d(tmp, state);
  EXPECT_EQ(d.unix_call("GET", "/1.0").body["metadata"]["environment"]["certificate_fingerprint"],
            fingerprint);
  EXPECT_EQ(d.https_call(me, "GET", "/1.0/sources/esxi01").status, 200);
  EXPECT_EQ(d.https_call(me, "GET", "/1.0/targets/incus01").status, 200);
}

TEST(Daemon, PasswordNeverInFilesLogOrAnswers) {
  TempDir tmp;
  const std::string state = tmp.file("state");
  const std::string password = "Pw-6c1f0e93-never-leaks";
  Daemon d(tmp, state);
  const ClientCert me = make_client_cert(tmp, "admin");
  trust(d, me);
  std::string answers;
  answers += d.https_call(me, "POST", "/1.0/sources", source_body("esxi01", password)).raw;
  answers += d.https_call(me, "PUT", "/1.0/sources/esxi01", source_body("esxi01", password)).raw;
  answers += d.https_call(me, "GET", "/1.0/sources/esxi01").raw;
  answers += d.https_call(me, "GET", "/1.0/sources?recursion=1").raw;
  answers += d.unix_call("GET", "/1.0/sources?recursion=1").raw;
  // A bad body that carries the password must not echo it in the error either.
  answers += d.https_call(me, "POST", "/1.0/sources",
                          R"({"name":"x","properties":{"endpoint":"ftp://h","password":")" +
                              password + "\"}}")
                 .raw;
  EXPECT_EQ(answers.find(password), std::string::npos) << answers;
  d.stop_gracefully();
  EXPECT_EQ(d.log().find(password), std::string::npos);
  for (const auto& e : std::filesystem::recursive_directory_iterator(state)) {
    if (!e.is_regular_file()) continue;
    EXPECT_EQ(read_text(e.path()).find(password), std::string::npos) << e.path();
  }
}

TEST(Daemon, ConcurrentClientsAllCommitted) {
  TempDir tmp;
  Daemon d(tmp, tmp.file("state"));
  const ClientCert me = make_client_cert(tmp, "admin");
  trust(d, me);
  std::atomic<int> created{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < 6; ++c) {
    clients.emplace_back([&, c] {
      for (int i = 0; i < 5; ++i) {
        const std::string name = "c" + std::to_string(c) + "-" + std::to_string(i);
        // Half over HTTPS, half over the socket: both transports share the store.
        const HttpResult r = c % 2 ? d.https_call(me, "POST", "/1.0/sources", source_body(name))
                                   : d.unix_call("POST", "/1.0/sources", source_body(name));
        if (r.status == 201) ++created;
      }
    });
  }
  for (auto& t : clients) t.join();
  EXPECT_EQ(created, 30);
  EXPECT_EQ(d.unix_call("GET", "/1.0/sources").body["metadata"].size(), 30u);
}

TEST(Daemon, KillDashNineLosesNothingCommitted) {
  TempDir tmp;
  const std::string state = tmp.file("state");
  std::vector<std::string> committed;
  {
    Daemon d(tmp, state);
    std::atomic<bool> go{true};
    std::thread writer([&] {
      for (int i = 0; go; ++i) {
        const std::string name = "src" + std::to_string(i);
        // Only a 201 means committed; a request cut off by the kill proves nothing either way.
        if (d.unix_call("POST", "/1.0/sources", source_body(name)).status == 201) {
          committed.push_back(name);
        }
      }
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    d.kill_hard();
    go = false;
    writer.join();
  }
  ASSERT_GT(committed.size(), 5u);
  Daemon d(tmp, state);
  const HttpResult list = d.unix_call("GET", "/1.0/sources");
  ASSERT_EQ(list.status, 200);
  std::set<std::string> have;
  for (const auto& u : list.body["metadata"]) have.insert(u.get<std::string>());
  for (const std::string& n : committed) EXPECT_TRUE(have.count("/1.0/sources/" + n)) << n;
}

}  // namespace
}  // namespace mm::test
