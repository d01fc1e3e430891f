// Replays the reference documents' command-line parts end to end: the real migration-manager
// binary (stdin fed the documents' answers) against a real migration-managerd, whose VMware client
// talks to the simulator modelling 000's ESXi host and whose Incus client talks to a real incusd.
// 000: "Register a source", "Register a target"; 001: "Overriding instances", "Overriding
// networks". Prompts and messages are compared as text, tables cell by cell
// (tests/cli/doc_table.h), after putting our servers' endpoints, fingerprints, network UUID, dates
// and counts in place of the documents'. The tests run in the documents' order on one daemon (later
// ones register what they need when run alone).
//
// Where the product differs from the documents, on purpose or because the documents do:
// - Rows come in natural order of the first column (UUID), as in 000's tables; the instances'
//   UUIDs are the model's (000's), so that table is compared row by row. The warnings' UUIDs are
//   generated, so their rows are compared keyed by Type (001's order is its UUIDs').
// - 001's warnings were counted over many syncs (Count 12); here one sync has run: Count 1.
// - 001's "Instance migration is restricted" has two messages because its Debian Bookworm sits on
//   a vCenter without change tracking; on 000's ESXi host (modelled here) only Ubuntu 2404 is
//   restricted, so one message.
// - 001's warnings are scoped to esxi01 but name "/vc01/vm/Incus migrations/Ubuntu 2404"; on
//   esxi01 that VM is "/ha-datacenter/vm/Ubuntu 2404".
// - 001's second `network edit` sets vlan_id "10" and its table then shows 30; we expect 10. (Its
//   UUID is an instance's; we edit the one network of esxi01 again.)
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <memory>
#include <regex>
#include <thread>

#include <nlohmann/json.hpp>

#include "tests/cli/doc_table.h"
#include "tests/cli/testdata_util.h"
#include "tests/daemon/daemon_fixture.h"
#include "tests/support/incus_server.h"
#include "tests/vmware/vmware_sim_fixture.h"

namespace mm::test {
namespace {

using Json = nlohmann::json;

// 000's ESXi host: its five VMs (UUIDs, CPUs, memory, OS as the tables show them), each with
// change tracking and one disk, all on the standard port group VMWARE. Ubuntu 2404 runs without
// VMware Tools, so no OS version is reported for it.
const char* kEsxiModel = R"json({
  "datastores": [{"name": "datastore-01", "path": "@DS@"}],
  "networks": [{"name": "VMWARE"}],
  "vms": [
    {"name": "Win2016", "instance_uuid": "52cfcb6b-20ee-add3-adc9-68c63ca9adfd",
     "guest_id": "windows9Server64Guest", "guest_os": "Windows Server 2016, 64-bit (Build 14393.693)",
     "cpus": 2, "memory_mb": 4096, "power_state": "poweredOn", "change_tracking": true,
     "disks": [{"capacity": 16777216}],
     "nics": [{"network": "VMWARE", "ips": ["10.10.0.11"]}]},
    {"name": "Ubuntu 2404", "instance_uuid": "52d5cfe0-d341-82d9-3f23-4149687b4e3e",
     "guest_id": "ubuntu64Guest", "guest_os": "Ubuntu Linux (64-bit)", "tools_running": false,
     "cpus": 2, "memory_mb": 4096, "power_state": "poweredOn", "change_tracking": true,
     "disks": [{"capacity": 16777216}],
     "nics": [{"network": "VMWARE"}]},
    {"name": "Debian Bookworm", "instance_uuid": "52d89a93-ff8f-9dea-4d74-ec99beb1d2d4",
     "guest_id": "debian12_64Guest", "guest_os": "Debian GNU/Linux 12 (bookworm)",
     "cpus": 3, "memory_mb": 6144, "power_state": "poweredOn", "change_tracking": true,
     "disks": [{"capacity": 16777216}],
     "nics": [{"network": "VMWARE", "ips": ["10.10.0.13"]}]},
    {"name": "Cent OS 9 UEFI", "instance_uuid": "5263adbf-dbca-eb36-3019-b09743f40b6d",
     "guest_id": "centos9_64Guest", "guest_os": "CentOS Stream 9", "firmware": "efi",
     "cpus": 6, "memory_mb": 6144, "power_state": "poweredOn", "change_tracking": true,
     "disks": [{"capacity": 16777216}],
     "nics": [{"network": "VMWARE", "ips": ["10.10.0.14"]}]},
    {"name": "SuseUEFI", "instance_uuid": "5298cc11-96ea-4f50-b018-6d80bfdaa7d9",
     "guest_id": "opensuse64Guest", "guest_os": "openSUSE Leap 15.6", "firmware": "efi",
     "cpus": 3, "memory_mb": 6144, "power_state": "poweredOn", "change_tracking": true,
     "disks": [{"capacity": 16777216}],
     "nics": [{"network": "VMWARE", "ips": ["10.10.0.15"]}]}
  ]})json";

// The documents' servers, replaced by ours in the expected text.
const std::string kDocSourceEndpoint = "https://10.10.0.3";
const std::string kDocSourceFp = "ba4f5b7749bc76e11fdce0dba27c49e6c379cfb9b4c7de14844442d9b6df5726";
const std::string kDocTargetEndpoint = "https://10.1.0.101:8443";
const std::string kDocTargetFp = "d0d4e9f057523006b30ba8e1f269d048238853786956d7285ca325077ba5e8ca";
const std::string kDocNetworkUuid = "8df4f8e3-b446-4631-87a8-f7f97fce3109";
const std::string kUbuntu = "/ha-datacenter/vm/Ubuntu 2404";
const std::string kNetworkLocation = "/ha-datacenter/network/VMWARE";

const std::regex kUuid("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
const std::regex kApiDate(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z)");

// An API time (RFC 3339 in UTC) as Go prints it in tables: 2025-11-18 23:47:23.992054737 +0000 UTC,
// the fraction without trailing zeros (the daemon's JSON keeps all nine digits).
std::string go_utc(std::string t) {
  t[10] = ' ';
  t.pop_back();  // the Z
  while (t.back() == '0' && t.find('.') != std::string::npos) t.pop_back();
  if (t.back() == '.') t.pop_back();
  return t + " +0000 UTC";
}

std::string sh_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// The simulator (000's host), then the daemon: both started after incusd, so they live in its
// network namespace and everything talks over its loopback. One of each for the binary.
class World : public ::testing::Environment {
 public:
  void SetUp() override {
    try {
      start();
    } catch (const std::exception& e) {
      FAIL() << "replay servers: " << e.what();
    }
  }
  void start() {
    IncusEnvironment::server();  // throws when incusd did not start
    // The document's user; its password is the placeholder the document shows.
    sim_ =
        std::make_unique<VmwareSim>("esxi", kEsxiModel, "--username user --password '<password>'");
    // The client adds /sdk to a bare URL, as the document's https://10.10.0.3.
    source_url_ = sim_->url().substr(0, sim_->url().rfind("/sdk"));
    source_fp_ = sim_->fingerprint();
    source_fp_.erase(std::remove(source_fp_.begin(), source_fp_.end(), ':'), source_fp_.end());
    for (auto& c : source_fp_) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    tmp_ = std::make_unique<TempDir>();
    daemon_ = std::make_unique<Daemon>(*tmp_, tmp_->file("state"));
  }
  void TearDown() override {
    daemon_.reset();
    sim_.reset();
    tmp_.reset();
  }

  std::unique_ptr<VmwareSim> sim_;
  std::unique_ptr<TempDir> tmp_;
  std::unique_ptr<Daemon> daemon_;
  std::string source_url_, source_fp_;
};

// Registered in this order: incusd first (its constructor joins the namespace), torn down last.
[[maybe_unused]] auto* const g_incus = ::testing::AddGlobalTestEnvironment(new IncusEnvironment);
World* const g_world = static_cast<World*>(::testing::AddGlobalTestEnvironment(new World));

class Replay : public ::testing::Test {
 protected:
  void SetUp() override {
    w_ = g_world;
    ASSERT_TRUE(w_->daemon_) << "the servers did not start";
    incus_ = &IncusEnvironment::server();
  }

  // Runs the CLI with `args` (shell words) and `input` on stdin, against the daemon's socket.
  CommandResult cli(const std::string& args, const std::string& input = "") {
    static int n = 0;
    const std::string in = w_->tmp_->file("stdin-" + std::to_string(n++));
    std::ofstream(in, std::ios::binary) << input;
    return run_command("MIGRATION_MANAGER_SOCKET=" + sh_quote(w_->daemon_->socket()) +
                       " MIGRATION_MANAGER_CONF=" + sh_quote(w_->tmp_->file("conf")) + " " +
                       MM_BINARY_DIR + "/bin/migration-manager " + args + " < " + in);
  }

  // The command of an excerpt's first line ("$ migration-manager source add ..."), run as given.
  CommandResult replay(const std::string& excerpt, const Transcript& t) {
    const std::string first = lines_of(excerpt).at(0);
    const std::string prog = "migration-manager";
    return cli(first.substr(first.find(prog) + prog.size()), t.input);
  }

  Json api(const std::string& path) {
    const HttpResult r = w_->daemon_->unix_call("GET", "/1.0" + path);
    EXPECT_EQ(r.status, 200) << path << ": " << r.raw;
    return r.body["metadata"];
  }

  // The API's object of a list whose `key` field (dotted: properties.location) is `value`.
  Json api_find(const std::string& path, const std::string& key, const std::string& value) {
    const Json::json_pointer ptr("/" + substitute(key, {{".", "/"}}));
    for (const Json& o : api(path + "?recursion=1")) {
      if (o.contains(ptr) && o[ptr] == value) return o;
    }
    ADD_FAILURE() << "no " << path << " with " << key << " = " << value;
    return Json::object();
  }

  // Lists until `n` objects are there (the sync a source's update starts), at most 30 s.
  void wait_for(const std::string& path, size_t n) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (api(path + "?recursion=1").size() < n) {
      ASSERT_LT(std::chrono::steady_clock::now(), deadline) << path << " never had " << n;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }

  // Runs `args`, which must print a table; parsed.
  DocTable table(const std::string& args) {
    const CommandResult r = cli(args);
    EXPECT_EQ(r.exit_code, 0) << args << ": " << r.err;
    EXPECT_EQ(r.err, "");
    return parse_table(r.out);
  }

  // For the tests after the first, run alone: esxi01 registered and trusted, inventory synced.
  void ensure_source() {
    const HttpResult src = w_->daemon_->unix_call("GET", "/1.0/sources/esxi01");
    CommandResult r;
    if (src.status != 200) {
      r = cli("source add esxi01 " + w_->source_url_ + " --username user --password '<password>'" +
              " --trusted-cert-fingerprint " + w_->source_fp_);
      ASSERT_EQ(r.exit_code, 0) << r.err;
    } else if (src.body["metadata"]["properties"]["connectivity_status"] != "OK") {
      r = cli("source update esxi01 --trusted-cert-fingerprint " + w_->source_fp_);
      ASSERT_EQ(r.exit_code, 0) << r.err;
    }
    wait_for("/instances", 5);
  }

  // The document's instance table as it stands after 000's registration.
  static DocTable doc_instances() { return parse_table(testdata("instance_list.txt")); }

  // The document's network table, with the network's UUID the daemon generated.
  DocTable doc_networks() {
    DocTable t = parse_table(testdata("network_list.txt"));
    t.cell("Location", kNetworkLocation, "UUID") = network_uuid();
    return t;
  }

  std::string network_uuid() {
    const std::string uuid = api_find("/networks", "location", kNetworkLocation).value("uuid", "");
    EXPECT_TRUE(std::regex_match(uuid, kUuid)) << uuid;
    return uuid;
  }

  World* w_ = nullptr;
  IncusServer* incus_ = nullptr;
};

TEST_F(Replay, RegisterASource) {
  const std::map<std::string, std::string> ours = {{kDocSourceEndpoint, w_->source_url_},
                                                   {kDocSourceFp, w_->source_fp_}};
  // source add: the document's prompts; the untrusted certificate's message on stderr, exit 1.
  const std::string add_doc = substitute(testdata("source_add.txt"), ours);
  const Transcript add = transcript(add_doc);
  CommandResult r = replay(add_doc, add);
  EXPECT_EQ(r.out, add.prompts);
  EXPECT_EQ(r.err, add.final_line + "\n");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_FALSE(api("/sources/esxi01")["properties"].contains("password"));

  DocTable got = table("source list");
  DocTable doc = parse_table(testdata("source_list_untrusted.txt")).replace_cells(ours);
  EXPECT_EQ(got.header, doc.header);
  EXPECT_EQ(got.rows, doc.rows);

  // source update: the document's answers and the simulator's real fingerprint.
  const std::string upd_doc = substitute(testdata("source_update.txt"), ours);
  const Transcript upd = transcript(upd_doc);
  r = replay(upd_doc, upd);
  EXPECT_EQ(r.out, upd.prompts + upd.final_line + "\n");
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(r.exit_code, 0);

  got = table("source list");
  doc = parse_table(testdata("source_list_ok.txt")).replace_cells(ours);
  EXPECT_EQ(got.header, doc.header);
  EXPECT_EQ(got.rows, doc.rows);

  // The update's check synced the inventory: the document's instances and network.
  wait_for("/instances", 5);
  got = table("instance list");
  doc = doc_instances();
  EXPECT_EQ(got.header, doc.header);
  EXPECT_EQ(got.rows, doc.rows);
  for (const auto& [location, row] : got.rows_by("Location")) {
    const Json inst = api_find("/instances", "properties.location", location);
    EXPECT_EQ(row[got.column("UUID")], inst["properties"].value("uuid", "")) << location;
    EXPECT_TRUE(std::regex_match(row[got.column("UUID")], kUuid)) << location;
  }

  got = table("network list");
  doc = doc_networks();
  EXPECT_EQ(got.header, doc.header);
  EXPECT_EQ(got.rows, doc.rows);
}

TEST_F(Replay, RegisterATarget) {
  const TestCert& cert = incus_->trusted_client();
  const std::map<std::string, std::string> ours = {{kDocTargetEndpoint, incus_->url()},
                                                   {kDocTargetFp, incus_->server_fingerprint()},
                                                   {"/path/to/client.crt", cert.cert_path},
                                                   {"/path/to/client.key", cert.key_path}};
  const std::string add_doc = substitute(testdata("target_add.txt"), ours);
  const Transcript add = transcript(add_doc);
  CommandResult r = replay(add_doc, add);
  EXPECT_EQ(r.out, add.prompts);
  EXPECT_EQ(r.err, add.final_line + "\n");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_FALSE(api("/targets/incus01")["properties"].contains("tls_client_key"));

  const std::string upd_doc = substitute(testdata("target_update.txt"), ours);
  const Transcript upd = transcript(upd_doc);
  r = replay(upd_doc, upd);
  EXPECT_EQ(r.out, upd.prompts + upd.final_line + "\n");
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(r.exit_code, 0);

  const DocTable got = table("target list");
  const DocTable doc = parse_table(testdata("target_list.txt")).replace_cells(ours);
  EXPECT_EQ(got.header, doc.header);
  EXPECT_EQ(got.rows, doc.rows);
}

TEST_F(Replay, OverridingInstances) {
  ensure_source();
  // warning list: the document's columns; "Instances partially imported" for Ubuntu 2404.
  const DocTable got = table("warning list");
  const DocTable doc = parse_table(testdata("warning_list.txt"));
  EXPECT_EQ(got.header, doc.header);
  auto doc_rows = doc.rows_by("Type");
  for (auto& [type, row] : doc_rows) {
    const Json w = api_find("/warnings", "type", type);
    const std::string updated = w.value("updated_date", "");
    ASSERT_TRUE(std::regex_match(updated, kApiDate)) << updated;
    row[doc.column("UUID")] = w.value("uuid", "");
    // As Go prints a UTC time: 2025-11-18 23:47:23.992054737 +0000 UTC.
    row[doc.column("Last Updated")] = go_utc(updated);
    row[doc.column("Num Messages")] = "1";  // see the top of this file
    row[doc.column("Count")] = "1";
  }
  EXPECT_EQ(got.rows_by("Type"), doc_rows);

  // warning show: the document's YAML, with this warning's UUID, dates and count.
  const Json partial = api_find("/warnings", "type", "Instances partially imported");
  const std::string uuid = partial.value("uuid", "");
  ASSERT_TRUE(std::regex_match(uuid, kUuid)) << uuid;
  for (const char* k : {"first_seen_date", "last_seen_date", "updated_date"}) {
    EXPECT_TRUE(std::regex_match(partial.value(k, ""), kApiDate)) << k;
  }
  const std::string show_doc =
      substitute(testdata("warning_show_partial.txt"),
                 {{"40043116-7a1b-436e-be95-ea1e65a37016", uuid},
                  {"2025-11-18T23:21:03.714646212Z", partial.value("first_seen_date", "")},
                  {"2025-11-18T23:47:23.992012696Z", partial.value("last_seen_date", "")},
                  {"2025-11-18T23:47:23.992054737Z", partial.value("updated_date", "")},
                  {"/vc01/vm/Incus migrations/Ubuntu 2404", kUbuntu},
                  {"count: 12", "count: 1"}});
  CommandResult r = cli("warning show " + uuid);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, show_doc + "\n");  // a blank line after the YAML, as the reference's Println

  // instance override edit with the document's YAML on stdin, then the list shows the OS version.
  const std::string ubuntu =
      api_find("/instances", "properties.location", kUbuntu)["properties"].value("uuid", "");
  EXPECT_EQ(ubuntu, "52d5cfe0-d341-82d9-3f23-4149687b4e3e");  // the document's, from the model
  r = cli("instance override edit " + ubuntu, testdata("instance_override_edit.txt"));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out + r.err, "");
  EXPECT_EQ(api("/instances/" + ubuntu + "/override").value("comment", ""),
            "Override OS and OS version (no VMware guest agent)");

  const DocTable after = table("instance list");
  DocTable want = doc_instances();
  want.cell("Location", kUbuntu, "OS Version") = "Ubuntu 24.04 (Noble)";  // as 001 shows it
  EXPECT_EQ(after.header, want.header);
  EXPECT_EQ(after.rows, want.rows);
}

TEST_F(Replay, OverridingNetworks) {
  ensure_source();
  const std::string uuid = network_uuid();
  CommandResult r = cli("network edit " + uuid, testdata("network_edit.txt"));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out + r.err, "");
  DocTable got = table("network list");
  DocTable want = doc_networks();
  want.cell("Location", kNetworkLocation, "Target Network") = "incusbr0";
  EXPECT_EQ(got.header, want.header);
  EXPECT_EQ(got.rows, want.rows);

  r = cli("network edit " + uuid, testdata("network_edit_bridged.txt"));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  got = table("network list");
  want.cell("Location", kNetworkLocation, "Target Network") = "br0";
  want.cell("Location", kNetworkLocation, "Target NIC Type") = "bridged";
  want.cell("Location", kNetworkLocation, "Target Vlan") = "10";
  EXPECT_EQ(got.rows, want.rows);
  const Json ov = api("/networks/" + uuid)["overrides"];
  EXPECT_EQ(ov, Json({{"network", "br0"}, {"nictype", "bridged"}, {"vlan_id", "10"}}));
}

}  // namespace
}  // namespace mm::test
