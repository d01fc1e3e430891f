// The stand-in against the real incusd: the same requests to both, on every instance and
// operation endpoint the real daemon can serve without KVM, and the JSON shapes of the answers
// (keys and types, not values) must be the same. Where the real daemon cannot create a VM, a
// container stands for it (same instance object shape); its VM creation is still compared up to
// the refusal. Status codes and Incus's fixed error texts must match too.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "orchestrator/incus/client.h"
#include "orchestrator/incus/envelope.h"
#include "orchestrator/incus/transport.h"
#include "tests/support/incus_server.h"

namespace mm::incus {
namespace {
using nlohmann::json;

// Maps whose keys are data (config keys, device names, resource kinds): only the shape of their
// values counts.
const std::set<std::string> kDataMaps = {"config", "expanded_config", "devices", "expanded_devices",
                                         "resources"};

json shape(const json& v, const std::string& key = "") {
  if (v.is_object()) {
    if (kDataMaps.count(key)) {
      if (v.empty()) return "map:*";
      std::set<std::string> kinds;
      for (const auto& [k, e] : v.items()) {
        kinds.insert(e.is_string()   ? "string"
                     : e.is_object() ? "map"
                     : e.is_array()  ? "array"
                                     : "other");
      }
      return kinds.size() == 1 ? "map:" + *kinds.begin() : "map:mixed";
    }
    json out = json::object();
    for (const auto& [k, e] : v.items()) out[k] = shape(e, k);
    return out;
  }
  if (v.is_array()) return v.empty() ? json("array:*") : json::array({shape(v[0], key)});
  if (v.is_string()) return "string";
  if (v.is_boolean()) return "bool";
  if (v.is_number()) return "number";
  return "null";
}

// Differences between two shapes; "array:*" and "map:*" (empty) match any array / map.
void diff(const json& a, const json& b, const std::string& path, std::vector<std::string>& out) {
  if ((a == "array:*" && b.is_array()) || (b == "array:*" && a.is_array())) return;
  if (a.is_string() && b.is_string()) {
    const std::string x = a, y = b;
    if (x == y) return;
    if ((x == "map:*" && y.rfind("map:", 0) == 0) || (y == "map:*" && x.rfind("map:", 0) == 0))
      return;
    out.push_back(path + ": " + x + " vs " + y);
    return;
  }
  if (a.is_array() && b.is_array()) return diff(a[0], b[0], path + "[]", out);
  if (a.is_object() && b.is_object()) {
    for (const auto& [k, v] : a.items()) {
      if (!b.contains(k)) {
        out.push_back(path + "." + k + ": only in the real daemon's answer");
      } else {
        diff(v, b[k], path + "." + k, out);
      }
    }
    for (const auto& [k, v] : b.items()) {
      if (!a.contains(k)) out.push_back(path + "." + k + ": only in the stand-in's answer");
    }
    return;
  }
  out.push_back(path + ": " + a.dump() + " vs " + b.dump());
}

struct Answer {
  int status = 0;
  json body;
};

class Contract : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto& incusd = test::IncusEnvironment::server();
    dir_ = new test::TempDir;
    standin_ = new test::IncusStandin(*dir_, incusd.trusted_client(), "-op-delay 100ms");
    real_ = new Transport(incusd.endpoint());
    fake_ = new Transport(standin_->endpoint(incusd.trusted_client()));
  }
  static void TearDownTestSuite() {
    delete real_;
    delete fake_;
    delete standin_;
    delete dir_;
  }

  static Answer ask(Transport& t, const std::string& method, const std::string& path,
                    const json& body = nullptr) {
    HttpReply r =
        t.request(method, path, body.is_null() ? "" : body.dump(), std::chrono::seconds(30));
    Answer a{r.status, json::parse(r.body, nullptr, false)};
    EXPECT_FALSE(a.body.is_discarded()) << method << " " << path << ": " << r.body;
    return a;
  }

  // Same HTTP status and JSON shape; for error replies also the same error_code.
  static void same(const Answer& real, const Answer& fake, const std::string& what) {
    SCOPED_TRACE(what);
    EXPECT_EQ(real.status, fake.status)
        << "real: " << real.body.dump() << "\nstand-in: " << fake.body.dump();
    std::vector<std::string> out;
    diff(shape(real.body), shape(fake.body), what, out);
    for (const auto& d : out) ADD_FAILURE() << d;
    if (real.body.value("type", "") == "error") {
      EXPECT_EQ(real.body["error_code"], fake.body["error_code"]);
    }
  }

  static std::string op_path(const Answer& a) { return a.body.at("operation").get<std::string>(); }

  static test::TempDir* dir_;
  static test::IncusStandin* standin_;
  static Transport* real_;
  static Transport* fake_;
};
test::TempDir* Contract::dir_;
test::IncusStandin* Contract::standin_;
Transport* Contract::real_;
Transport* Contract::fake_;

json vm_body(const std::string& name, const std::string& pool = "default") {
  InstanceSpec s;
  s.name = name;
  s.cpus = 2;
  s.memory_bytes = 1ull << 30;
  s.nics = {{"eth0", "00:16:3e:00:00:09", "", "macvlan", "lo", ""}};
  s.disks = {{"root", pool, "/", "1GiB", "", {}}};
  return instance_create_body(s);
}

json container_body(const std::string& name) {
  json b = vm_body(name);
  b["type"] = "container";
  b["config"].erase("security.secureboot");
  b["devices"]["root"].erase("size");
  return b;
}

TEST_F(Contract, ServerInfoAndRefusals) {
  const auto& incusd = test::IncusEnvironment::server();
  Transport real_stranger([&] {
    auto e = incusd.endpoint();
    e.tls_client_cert = incusd.untrusted_client().cert_pem;
    e.tls_client_key = incusd.untrusted_client().key_pem;
    return e;
  }());
  Transport fake_stranger([&] {
    auto e = standin_->endpoint(incusd.untrusted_client());
    return e;
  }());
  same(ask(real_stranger, "GET", "/1.0"), ask(fake_stranger, "GET", "/1.0"), "GET /1.0 untrusted");
  Answer r = ask(real_stranger, "GET", "/1.0/instances"),
         f = ask(fake_stranger, "GET", "/1.0/instances");
  same(r, f, "GET /1.0/instances untrusted");
  EXPECT_EQ(r.body["error"], f.body["error"]);

  // The trusted /1.0: the stand-in's keys must all exist, with the same types, in the real one.
  Answer rt = ask(*real_, "GET", "/1.0"), ft = ask(*fake_, "GET", "/1.0");
  std::vector<std::string> out;
  json rs = shape(rt.body), fs = shape(ft.body);
  for (auto& section : {"metadata"}) {
    for (const auto& [k, v] : fs[section].items()) {
      if (k == "environment") {
        for (const auto& [ek, ev] : v.items()) {
          if (!rs[section][k].contains(ek))
            out.push_back("environment." + ek + " not in the real answer");
          else
            diff(rs[section][k][ek], ev, "environment." + ek, out);
        }
      } else if (!rs[section].contains(k)) {
        out.push_back(k + " not in the real answer");
      } else {
        diff(rs[section][k], v, k, out);
      }
    }
  }
  for (const auto& d : out) ADD_FAILURE() << d;
}

TEST_F(Contract, ListsAndNotFound) {
  same(ask(*real_, "GET", "/1.0/instances"), ask(*fake_, "GET", "/1.0/instances"),
       "GET /1.0/instances");
  same(ask(*real_, "GET", "/1.0/instances?recursion=1"),
       ask(*fake_, "GET", "/1.0/instances?recursion=1"), "GET /1.0/instances?recursion=1");
  for (const char* path : {"/1.0/instances/nope", "/1.0/instances/nope/state",
                           "/1.0/operations/123e4567-e89b-12d3-a456-426614174000",
                           "/1.0/operations/123e4567-e89b-12d3-a456-426614174000/wait?timeout=1"}) {
    Answer r = ask(*real_, "GET", path), f = ask(*fake_, "GET", path);
    same(r, f, std::string("GET ") + path);
    EXPECT_EQ(r.body["error"], f.body["error"]) << path;
  }
  Answer r = ask(*real_, "DELETE", "/1.0/instances/nope"),
         f = ask(*fake_, "DELETE", "/1.0/instances/nope");
  same(r, f, "DELETE missing");
  EXPECT_EQ(r.body["error"], f.body["error"]);
  r = ask(*real_, "GET", "/1.0/operations/x/wait?timeout=abc");
  f = ask(*fake_, "GET", "/1.0/operations/x/wait?timeout=abc");
  same(r, f, "wait with a bad timeout");
  EXPECT_EQ(r.body["error"], f.body["error"]);
}

TEST_F(Contract, BadCreateRequests) {
  json bad_name = vm_body("x");
  bad_name["name"] = "bad name!";
  json bad_type = vm_body("x");
  bad_type["type"] = "bogus";
  for (const auto& [what, body] :
       {std::pair{"bad name", bad_name}, std::pair{"bad type", bad_type}}) {
    Answer r = ask(*real_, "POST", "/1.0/instances", body),
           f = ask(*fake_, "POST", "/1.0/instances", body);
    same(r, f, what);
    EXPECT_EQ(r.body["error"], f.body["error"]) << what;
  }
}

TEST_F(Contract, VmCreateOperationUpToTheRefusal) {
  // The real daemon accepts the request and fails the operation (no KVM / vhost_vsock: a 500);
  // the stand-in's 500 failure (a duplicate name) goes through the same states.
  Answer first = ask(*fake_, "POST", "/1.0/instances", vm_body("ct-vm"));
  ask(*fake_, "GET", op_path(first) + "/wait?timeout=30");
  Answer r = ask(*real_, "POST", "/1.0/instances", vm_body("ct-vm"));
  Answer f = ask(*fake_, "POST", "/1.0/instances", vm_body("ct-vm"));
  same(r, f, "POST /1.0/instances (async)");
  EXPECT_EQ(r.body["metadata"]["description"], f.body["metadata"]["description"]);
  // The reply shows the operation as it is when the reply is written: the real daemon's can
  // already have failed (no KVM fails fast), so either state is the real contract.
  EXPECT_TRUE(r.body["metadata"]["status"] == "Running" ||
              r.body["metadata"]["status"] == "Failure")
      << r.body["metadata"]["status"];
  EXPECT_EQ(f.body["metadata"]["status"], "Running");

  Answer rw = ask(*real_, "GET", op_path(r) + "/wait?timeout=30");
  Answer fw = ask(*fake_, "GET", op_path(f) + "/wait?timeout=30");
  same(rw, fw, "wait on a failed operation");
  EXPECT_EQ(rw.body["type"], "error");

  Answer ro = ask(*real_, "GET", op_path(r)), fo = ask(*fake_, "GET", op_path(f));
  same(ro, fo, "GET a failed operation");
  EXPECT_EQ(ro.body["metadata"]["status"], fo.body["metadata"]["status"]);
  EXPECT_EQ(ro.body["metadata"]["status_code"], fo.body["metadata"]["status_code"]);
  ask(*fake_, "GET", op_path(ask(*fake_, "DELETE", "/1.0/instances/ct-vm")) + "/wait?timeout=30");
}

TEST_F(Contract, InstanceObjectsStatesAndOperations) {
  // A container on the real daemon (VMs cannot exist there), a VM on the stand-in.
  Answer r = ask(*real_, "POST", "/1.0/instances", container_body("ct-obj"));
  Answer f = ask(*fake_, "POST", "/1.0/instances", vm_body("ct-obj"));
  same(r, f, "create");
  Answer rw = ask(*real_, "GET", op_path(r) + "/wait?timeout=30");
  Answer fw = ask(*fake_, "GET", op_path(f) + "/wait?timeout=30");
  same(rw, fw, "wait on a successful operation");
  EXPECT_EQ(rw.body["metadata"]["status"], "Success");
  EXPECT_EQ(fw.body["metadata"]["status"], "Success");

  same(ask(*real_, "GET", "/1.0/instances/ct-obj"), ask(*fake_, "GET", "/1.0/instances/ct-obj"),
       "GET instance");
  same(ask(*real_, "GET", "/1.0/instances"), ask(*fake_, "GET", "/1.0/instances"), "list");
  same(ask(*real_, "GET", "/1.0/instances?recursion=1"),
       ask(*fake_, "GET", "/1.0/instances?recursion=1"), "list recursion=1");
  same(ask(*real_, "GET", "/1.0/instances/ct-obj/state"),
       ask(*fake_, "GET", "/1.0/instances/ct-obj/state"), "GET state (stopped)");

  json unknown = {{"action", "jump"}};
  Answer ru = ask(*real_, "PUT", "/1.0/instances/ct-obj/state", unknown);
  Answer fu = ask(*fake_, "PUT", "/1.0/instances/ct-obj/state", unknown);
  same(ru, fu, "unknown action");
  EXPECT_EQ(ru.body["error"], fu.body["error"]);

  // Stopping a stopped instance: accepted, then the operation fails with Incus's words.
  json stop = instance_state_body("stop", 30, false);
  Answer rs = ask(*real_, "PUT", "/1.0/instances/ct-obj/state", stop);
  Answer fs = ask(*fake_, "PUT", "/1.0/instances/ct-obj/state", stop);
  same(rs, fs, "stop (async)");
  EXPECT_EQ(rs.body["metadata"]["description"], fs.body["metadata"]["description"]);
  Answer rsw = ask(*real_, "GET", op_path(rs) + "/wait?timeout=30");
  Answer fsw = ask(*fake_, "GET", op_path(fs) + "/wait?timeout=30");
  same(rsw, fsw, "wait on the refused stop");
  EXPECT_EQ(rsw.body["error"], fsw.body["error"]);

  Answer rd = ask(*real_, "DELETE", "/1.0/instances/ct-obj");
  Answer fd = ask(*fake_, "DELETE", "/1.0/instances/ct-obj");
  same(rd, fd, "delete (async)");
  EXPECT_EQ(rd.body["metadata"]["description"], fd.body["metadata"]["description"]);
  same(ask(*real_, "GET", op_path(rd) + "/wait?timeout=30"),
       ask(*fake_, "GET", op_path(fd) + "/wait?timeout=30"), "wait on delete");
}

TEST_F(Contract, WaitThatTimesOut) {
  // timeout=0 on an operation still running: incusd answers 200 with an error envelope.
  Answer f = ask(*fake_, "POST", "/1.0/instances", vm_body("ct-slow"));
  Answer fw = ask(*fake_, "GET", op_path(f) + "/wait?timeout=0");
  for (int attempt = 0; attempt < 5; ++attempt) {
    const std::string name = "ct-race" + std::to_string(attempt);
    Answer r = ask(*real_, "POST", "/1.0/instances", container_body(name));
    Answer rw = ask(*real_, "GET", op_path(r) + "/wait?timeout=0");
    ask(*real_, "GET", op_path(r) + "/wait?timeout=30");
    ask(*real_, "DELETE", "/1.0/instances/" + name);
    if (rw.body.value("type", "") != "error") continue;  // the operation won the race; again
    same(rw, fw, "wait timeout");
    EXPECT_EQ(rw.body["error"], fw.body["error"]);
    ask(*fake_, "GET", op_path(f) + "/wait?timeout=30");
    ask(*fake_, "DELETE", "/1.0/instances/ct-slow");
    return;
  }
  GTEST_SKIP() << "the real daemon finished every operation before a zero wait";
}

}  // namespace
}  // namespace mm::incus
