// Placement scriptlets: the reference document's scripts, the builtins and their validation.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "orchestrator/starlark/placement.h"

using namespace mm::starlark;
using nlohmann::json;

namespace {

json instance(const std::string& os_version = "CentOS Stream 9") {
  return json{
      {"name", "CentOS9"},
      {"location", "/vc01/vm/other/CentOS9"},
      {"source", "vcenter01"},
      {"source_type", "vmware"},
      {"os", "centos"},
      {"os_version", os_version},
      {"os_type", "linux"},
      {"distribution", "centos"},
      {"distribution_version", "9"},
      {"cpus", 6},
      {"memory", 6442450944},
      {"architecture", "x86_64"},
      {"running", true},
      {"background_import", true},
      {"secure_boot", false},
      {"legacy_boot", false},
      {"tpm", false},
      {"uuid", "2f83c3b1-7966-4ff7-a671-79f163f28b3e"},
      {"description", ""},
      {"config", {{"limits.cpu", "6"}, {"user.owner", "ops"}}},
      {"disks", json::array({{{"name", "disk0"},
                              {"capacity", 214748364800LL},
                              {"shared", false},
                              {"supported", true}},
                             {{"name", "disk1"},
                              {"capacity", 10737418240LL},
                              {"shared", false},
                              {"supported", true}}})},
      {"nics", json::array({{{"hardware_address", "00:50:56:01:02:03"},
                             {"network", "VMNET"},
                             {"ipv4_address", "10.0.0.5"},
                             {"ipv6_address", ""}}})},
      {"snapshots", json::array()},
  };
}

const json kBatch = {{"name", "batch01"}, {"include_expression", "background_import"}};

std::string place_error(const std::string& script, const json& inst = instance()) {
  try {
    PlacementScript::compile(script).place(inst, kBatch);
  } catch (const StarlarkError& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

// batch01 of the reference document.
TEST(Placement, ReferenceDocumentSetTarget) {
  auto s = PlacementScript::compile(
      "def placement(instance, batch):\n"
      "    if instance.os_version.startswith(\"CentOS\"):\n"
      "        set_target(\"incus02\")\n");
  EXPECT_EQ(s.place(instance(), kBatch).target, std::optional<std::string>("incus02"));
  EXPECT_FALSE(s.place(instance("Ubuntu 24.04"), kBatch).target.has_value());

  // The edited batch01 spells it instance.properties.os_version.
  auto s2 = PlacementScript::compile(
      "def placement(instance, batch):\n"
      "    if instance.properties.os_version.startswith(\"CentOS\"):\n"
      "        set_target(\"incus02\")\n");
  EXPECT_EQ(s2.place(instance(), kBatch).target, std::optional<std::string>("incus02"));
}

// batch02 of the reference document: large volumes on pool02.
TEST(Placement, ReferenceDocumentSetPool) {
  for (const char* disks : {"instance.properties.disks", "instance.disks"}) {
    auto s = PlacementScript::compile(std::string("def placement(instance, batch):\n"
                                                  "    for disk in ") +
                                      disks +
                                      ":\n"
                                      "        if disk.capacity >= (1024 * 1024 * 1024 * 100):\n"
                                      "            set_pool(disk.name, 'pool02')\n");
    PlacementResult r = s.place(instance(), kBatch);
    EXPECT_EQ(r.pools, (std::map<std::string, std::string>{{"disk0", "pool02"}}));
    EXPECT_FALSE(r.target.has_value());
  }
}

namespace {

// Document 001's instance list (after the OS override of Ubuntu 2404), with one disk each as
// the queue shows; the disk sizes are ours, chosen around batch02's 100 GiB threshold.
struct DocVm {
  const char* location;
  const char* source;
  const char* os_version;
  long long disk_bytes;
};
constexpr long long kGiB = 1024LL * 1024 * 1024;
const DocVm kDoc001Vms[] = {
    {"/ha-datacenter/vm/Win2016", "esxi01", "Windows Server 2016, 64-bit (Build 14393.693)",
     50 * kGiB},
    {"/ha-datacenter/vm/SuseUEFI", "esxi01", "openSUSE Leap 15.6", 100 * kGiB - 1},
    {"/vc01/vm/Incus migrations/Ubuntu 2404", "vcenter01", "Ubuntu 24.04 (Noble)", 100 * kGiB},
    {"/vc01/vm/Incus migrations/Debian Bookworm", "vcenter01", "Debian GNU/Linux 12 (bookworm)",
     20 * kGiB},
    {"/vc01/vm/Incus migrations/Cent OS 9 UEFI", "vcenter01", "CentOS Stream 9", 40 * kGiB},
    {"/vc01/vm/other/CentOS9", "vcenter01", "CentOS Stream 9", 200 * kGiB},
};

json doc_vm(const DocVm& v) {
  json r = instance(v.os_version);
  std::string loc = v.location;
  r["name"] = loc.substr(loc.rfind('/') + 1);
  r["location"] = loc;
  r["source"] = v.source;
  r["disks"] = json::array(
      {{{"name", "disk0"}, {"capacity", v.disk_bytes}, {"shared", false}, {"supported", true}}});
  return r;
}

// The scriptlets exactly as the YAML block scalars (`placement_scriptlet: |`) deliver them:
// dedented, with a final newline.
const char* const kBatch01Script =
    "def placement(instance, batch):\n"
    "    if instance.os_version.startswith(\"CentOS\"):\n"
    "        set_target(\"incus02\")\n";
const char* const kBatch01EditedScript =
    "def placement(instance, batch):\n"
    "    if instance.properties.os_version.startswith(\"CentOS\"):\n"
    "        set_target(\"incus02\")\n";
const char* const kBatch02Script =
    "def placement(instance, batch):\n"
    "    for disk in instance.properties.disks:\n"
    "        if disk.capacity >= (1024 * 1024 * 1024 * 100):\n"
    "            set_pool(disk.name, 'pool02')\n";

}  // namespace

// batch01: "Migrate instances to target incus01 unless their OS version is CentOS, in which case
// migrate them to incus02". Of batch01's matches only Cent OS 9 UEFI runs CentOS; the others keep
// the batch default (the script sets nothing). Both spellings of the document agree.
TEST(Placement, ReferenceDocument001Batch01OverItsInstances) {
  const json batch01 = {{"name", "batch01"}, {"target", "incus01"}};
  for (const char* script : {kBatch01Script, kBatch01EditedScript}) {
    auto s = PlacementScript::compile(script);
    std::map<std::string, std::string> targets;
    for (const auto& v : kDoc001Vms) {
      if (std::string(v.location).find("/Incus migrations/") == std::string::npos) continue;
      PlacementResult r = s.place(doc_vm(v), batch01);
      targets[v.location] = r.target.value_or("(default)");
      EXPECT_TRUE(r.pools.empty() && r.networks.empty() && !r.project && r.log.empty());
    }
    EXPECT_EQ(targets, (std::map<std::string, std::string>{
                           {"/vc01/vm/Incus migrations/Ubuntu 2404", "(default)"},
                           {"/vc01/vm/Incus migrations/Debian Bookworm", "(default)"},
                           {"/vc01/vm/Incus migrations/Cent OS 9 UEFI", "incus02"}}))
        << script;
  }
  // Before the override Ubuntu 2404 had no OS version at all: the script must still run.
  json no_os = doc_vm(kDoc001Vms[2]);
  no_os["os_version"] = "";
  EXPECT_FALSE(PlacementScript::compile(kBatch01Script).place(no_os, batch01).target);
}

// batch02: "place all volumes greater than 100G on storage pool pool02"; the script's >= puts a
// volume of exactly 100 GiB there too, and one byte less stays on the default pool.
TEST(Placement, ReferenceDocument001Batch02OverItsInstances) {
  const json batch02 = {{"name", "batch02"}, {"target", "incus01"}};
  auto s = PlacementScript::compile(kBatch02Script);
  std::map<std::string, std::string> pools;
  for (const auto& v : kDoc001Vms) {
    PlacementResult r = s.place(doc_vm(v), batch02);
    EXPECT_FALSE(r.target.has_value());
    for (const auto& [disk, pool] : r.pools) pools[std::string(v.location) + ":" + disk] = pool;
  }
  EXPECT_EQ(pools, (std::map<std::string, std::string>{
                       {"/vc01/vm/Incus migrations/Ubuntu 2404:disk0", "pool02"},
                       {"/vc01/vm/other/CentOS9:disk0", "pool02"}}));
}

// Document 000 leaves placement_scriptlet empty: there is no script to compile, and compiling
// one anyway says what is missing rather than placing silently (the daemon skips empty ones).
TEST(Placement, ReferenceDocument000EmptyScriptlet) {
  try {
    PlacementScript::compile("");
    FAIL() << "compiled";
  } catch (const StarlarkError& e) {
    EXPECT_STREQ(e.what(),
                 "placement.star:1:1: script must define a function placement(instance, batch)");
  }
}

TEST(Placement, AllBuiltinsAndJsonAccess) {
  auto s = PlacementScript::compile(
      "PREFIX = 'vm-'\n"
      "def pick(inst):\n"
      "    return 'incus0%d' % (inst.cpus % 3 + 1)\n"
      "def placement(instance, batch):\n"
      "    log_info('placing ' + instance.name + ' from ' + batch.name)\n"
      "    log_warn('owner: ' + instance.config['user.owner'])\n"
      "    log_error(instance.config.get('missing', 'none'))\n"
      "    set_target(pick(instance))\n"
      "    set_project(PREFIX + instance.source)\n"
      "    set_pool(instance.disks[1].name, 'fast')\n"
      "    for nic in instance.nics:\n"
      "        set_network(nic.hardware_address, 'br0', 'bridged', '10')\n"
      "    if 'limits.cpu' in instance.config and hasattr(instance, 'tpm'):\n"
      "        print('cpus', instance.cpus)\n");
  PlacementResult r = s.place(instance(), kBatch);
  EXPECT_EQ(r.target, std::optional<std::string>("incus01"));
  EXPECT_EQ(r.project, std::optional<std::string>("vm-vcenter01"));
  EXPECT_EQ(r.pools, (std::map<std::string, std::string>{{"disk1", "fast"}}));
  ASSERT_EQ(r.networks.size(), 1u);
  EXPECT_EQ(r.networks.at("00:50:56:01:02:03"), (NetworkPlacement{"br0", "bridged", "10"}));
  EXPECT_EQ(r.log, (std::vector<LogLine>{{LogLevel::Info, "placing CentOS9 from batch01"},
                                         {LogLevel::Warn, "owner: ops"},
                                         {LogLevel::Error, "none"},
                                         {LogLevel::Info, "cpus 6"}}));
}

TEST(Placement, ValidationErrors) {
  EXPECT_EQ(place_error("def placement(instance, batch):\n  set_pool('nope', 'p')\n"),
            "placement.star:2:11: set_pool: instance \"CentOS9\" has no disk named \"nope\"");
  EXPECT_EQ(
      place_error("def placement(instance, batch):\n  set_network('aa:bb', 'n', 'managed', '')\n"),
      "placement.star:2:14: set_network: instance \"CentOS9\" has no NIC with hardware "
      "address \"aa:bb\"");
  EXPECT_EQ(place_error("def placement(instance, batch):\n  set_network('00:50:56:01:02:03', 'n', "
                        "'macvlan', '')\n"),
            "placement.star:2:14: set_network: unknown nictype \"macvlan\" (want managed, bridged "
            "or physical)");
  EXPECT_EQ(place_error("def placement(instance, batch):\n  set_network('00:50:56:01:02:03', 'n', "
                        "'managed', '10')\n"),
            "placement.star:2:14: set_network: a VLAN can only be set for bridged or physical "
            "NICs, not managed");
  EXPECT_EQ(place_error("def placement(instance, batch):\n  set_target('')\n"),
            "placement.star:2:13: set_target: name must not be empty");
  EXPECT_EQ(place_error("def placement(instance, batch):\n  set_target(1)\n"),
            "placement.star:2:13: set_target: for parameter name: got int, want string");
  // VLANs are fine on physical NICs, and may be given as ints.
  auto s = PlacementScript::compile(
      "def placement(instance, batch):\n  set_network('00:50:56:01:02:03', 'uplink', 'physical', "
      "30)\n");
  EXPECT_EQ(s.place(instance(), kBatch).networks.at("00:50:56:01:02:03").vlan, "30");
}

TEST(Placement, CompileErrors) {
  try {
    PlacementScript::compile("def placement(instance, batch):\n    set_targt('x')\n");
    FAIL();
  } catch (const StarlarkError& e) {
    EXPECT_STREQ(e.what(),
                 "placement.star:2:5: undefined name 'set_targt' (did you mean set_target?)");
  }
  try {
    PlacementScript::compile("def place(instance, batch):\n    pass\n", "x.star");
    FAIL();
  } catch (const StarlarkError& e) {
    EXPECT_STREQ(e.what(), "x.star:1:1: script must define a function placement(instance, batch)");
  }
  // The placement builtins only work while placing.
  try {
    PlacementScript::compile("set_target('x')\ndef placement(i, b):\n  pass\n");
    FAIL();
  } catch (const StarlarkError& e) {
    EXPECT_NE(std::string(e.what()).find("only available while placement"), std::string::npos);
  }
}

TEST(Placement, RuntimeErrorsAndFrozenGlobals) {
  EXPECT_EQ(place_error("def placement(instance, batch):\n  x = instance.no_such_field\n"),
            "placement.star:2:16: instance has no .no_such_field field or method");
  EXPECT_EQ(
      place_error("SEEN = []\ndef placement(instance, batch):\n  SEEN.append(instance.name)\n"),
      "placement.star:3:14: cannot append to frozen list");
  EXPECT_EQ(
      place_error("def placement(instance, batch):\n  fail('no target for', instance.name)\n"),
      "placement.star:2:7: fail: no target for CentOS9");
  EXPECT_EQ(place_error("def placement(instance, batch):\n  instance.disks.append(1)\n"),
            "placement.star:2:24: cannot append to frozen list");
}

// A typo in a field name must point at the field the user meant, never match silently.
TEST(Placement, MisspeltFieldGetsAHint) {
  EXPECT_EQ(place_error("def placement(instance, batch):\n  x = instance.os_verison\n"),
            "placement.star:2:16: instance has no .os_verison field or method (did you mean "
            ".os_version?)");
  EXPECT_EQ(place_error("def placement(instance, batch):\n  x = instance.properties.disk\n"),
            "placement.star:2:27: instance has no .disk field or method (did you mean "
            ".disks?)");
}

TEST(Placement, StepBudgetPerCall) {
  Limits l;
  l.max_steps = 10000;
  auto s = PlacementScript::compile(
      "def placement(instance, batch):\n  for i in range(1000000):\n    pass\n", "p.star", l);
  try {
    s.place(instance(), kBatch);
    FAIL();
  } catch (const StarlarkError& e) {
    EXPECT_NE(std::string(e.what()).find("too many steps"), std::string::npos) << e.what();
  }
}

TEST(Placement, ManyInstancesAreFastAndIndependent) {
  auto s = PlacementScript::compile(
      "def placement(instance, batch):\n"
      "    if instance.os_version.startswith('CentOS'):\n"
      "        set_target('incus02')\n"
      "    for disk in instance.disks:\n"
      "        if disk.capacity >= 100 * 1024 * 1024 * 1024:\n"
      "            set_pool(disk.name, 'pool02')\n");
  json a = instance(), b = instance("Debian 12");
  for (int i = 0; i < 2000; ++i) {
    PlacementResult r = s.place(i % 2 ? a : b, kBatch);
    EXPECT_EQ(r.target.has_value(), i % 2 == 1);
    EXPECT_EQ(r.pools.size(), 1u);
  }
}
