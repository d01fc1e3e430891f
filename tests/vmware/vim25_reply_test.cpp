// The vim25 reply reader, the message parsers and the inventory builder on replies captured from
// the simulator (tests/vmware/testdata, see capture_replies.py), and on malformed variants of
// them: each must be refused with a message naming the element and the problem.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "orchestrator/vmware/inventory_builder.h"
#include "orchestrator/vmware/soap_transport.h"
#include "orchestrator/vmware/vim25_messages.h"
#include "orchestrator/vmware/vim25_reply.h"
#include "orchestrator/vmware/vim25_request.h"

namespace mm::vmware {
namespace {

std::string testdata(const std::string& name) {
  std::ifstream in(std::string(MM_VMWARE_TESTDATA) + "/" + name);
  std::stringstream ss;
  ss << in.rdbuf();
  if (ss.str().empty()) throw std::runtime_error("missing testdata " + name);
  return ss.str();
}

std::string replaced(std::string s, const std::string& from, const std::string& to) {
  const size_t at = s.find(from);
  if (at == std::string::npos) throw std::runtime_error("not in the capture: " + from);
  return s.replace(at, from.size(), to);
}

source::Inventory inventory_of(const std::string& root, const std::vector<std::string>& pages) {
  InventoryBuilder b(root);
  for (const std::string& p : pages) {
    b.add(parse_retrieve_result(Reply::parse(p, "RetrievePropertiesEx")));
  }
  return b.build();
}

// Expects ReplyError whose message contains every one of `needles`.
template <class F>
void expect_refused(F f, std::initializer_list<std::string> needles) {
  try {
    f();
    ADD_FAILURE() << "accepted";
  } catch (const ReplyError& e) {
    for (const std::string& n : needles) {
      EXPECT_NE(std::string(e.what()).find(n), std::string::npos) << e.what() << " / " << n;
    }
  }
}

const std::string kVcInventory = testdata("inventory_vcenter.xml");
const std::string kVcHostNetwork = testdata("host_network_vcenter.xml");

source::Inventory vcenter_inventory(const std::string& page) {
  return inventory_of("group-d1", {page, kVcHostNetwork});
}

TEST(Vim25Reply, ServiceContent) {
  const ServiceContent vc = parse_service_content(
      Reply::parse(testdata("service_content_vcenter.xml"), "RetrieveServiceContent"));
  EXPECT_EQ(vc.api_type, "VirtualCenter");
  EXPECT_EQ(vc.root_folder, (MoRef{"Folder", "group-d1"}));
  EXPECT_EQ(vc.property_collector.value, "propertyCollector");
  EXPECT_EQ(vc.session_manager.type, "SessionManager");
  EXPECT_EQ(vc.view_manager.value, "ViewManager");
  EXPECT_EQ(vc.api_version, "6.5");
  const ServiceContent esx = parse_service_content(
      Reply::parse(testdata("service_content_esxi.xml"), "RetrieveServiceContent"));
  EXPECT_EQ(esx.api_type, "HostAgent");
  EXPECT_EQ(esx.root_folder.value, "ha-folder-root");
}

TEST(Vim25Reply, ServiceContentRefusesGarbage) {
  const std::string sc = testdata("service_content_vcenter.xml");
  const auto parse = [](const std::string& xml) {
    return [xml] { parse_service_content(Reply::parse(xml, "RetrieveServiceContent")); };
  };
  expect_refused(parse(replaced(sc, "<apiType>VirtualCenter", "<apiType>Toaster")),
                 {"apiType", "Toaster"});
  expect_refused(parse(replaced(sc, R"(<rootFolder type="Folder">)", "<rootFolder>")),
                 {"ServiceContent.rootFolder", "without a type"});
  expect_refused(parse(replaced(replaced(sc, "<propertyCollector ", "<propertyCollectorX "),
                                "</propertyCollector>", "</propertyCollectorX>")),
                 {"propertyCollector", "missing"});
}

TEST(Vim25Reply, Faults) {
  try {
    Reply::parse(testdata("fault_invalid_login.xml"), "Login");
    FAIL();
  } catch (const VimFault& f) {
    EXPECT_EQ(f.fault_type(), "InvalidLogin");
    EXPECT_EQ(f.fault_string(), "Login failure");
  }
  try {
    Reply::parse(testdata("fault_not_authenticated.xml"), "CreateContainerView");
    FAIL();
  } catch (const VimFault& f) {
    EXPECT_EQ(f.fault_type(), "NotAuthenticated");
  }
}

TEST(Vim25Reply, EnvelopeErrorsNameTheProblem) {
  const std::string login = testdata("login.xml");
  EXPECT_NO_THROW(Reply::parse(login, "Login"));
  expect_refused([&] { Reply::parse("not xml <", "Login"); }, {"Login reply", "not well-formed"});
  expect_refused([&] { Reply::parse("<html><body>502</body></html>", "Login"); },
                 {"not a SOAP Envelope"});
  expect_refused([&] { Reply::parse(login, "Logout"); }, {"<LoginResponse>", "<LogoutResponse>"});
  expect_refused(
      [&] { Reply::parse(replaced(login, "<soapenv:Body>", "<soapenv:Bodyx>"), "Login"); },
      {"not well-formed"});
  expect_refused(
      [&] { Reply::parse(replaced(login, "</soapenv:Body>", "<Extra/></soapenv:Body>"), "Login"); },
      {"more than one element"});
  expect_refused(
      [&] {
        Reply::parse(replaced(login, "</returnval>", "</returnval><returnval/>"), "Login")
            .returnval();
      },
      {"<returnval> appears more than once"});
}

TEST(Vim25Reply, TaskInfo) {
  const auto info_of = [](const std::string& xml) {
    const RetrieveResult r = parse_retrieve_result(Reply::parse(xml, "RetrievePropertiesEx"));
    return parse_task_info(r.objects.at(0).prop("info"), "info");
  };
  const TaskInfo ok = info_of(testdata("task_success.xml"));
  EXPECT_EQ(ok.state, "success");
  const TaskInfo bad = info_of(testdata("task_error.xml"));
  EXPECT_EQ(bad.state, "error");
  EXPECT_EQ(bad.error_type, "InvalidPowerState");
  EXPECT_FALSE(bad.error_message.empty());
  expect_refused(
      [&] { info_of(replaced(testdata("task_error.xml"), "<state>error", "<state>odd")); },
      {"info.state", "odd"});
  const Reply snap = Reply::parse(testdata("create_snapshot_task.xml"), "CreateSnapshot_Task");
  EXPECT_EQ(to_moref(snap.returnval(), "returnval").type, "Task");
}

TEST(Vim25Reply, XsiTypeFollowsTheNamespaceNotThePrefix) {
  const std::string doc = R"(<a xmlns:foo="http://www.w3.org/2001/XMLSchema-instance"
      xmlns:bar="urn:other"><b foo:type="xsd:string"/><c bar:type="Nope" type="Plain"/></a>)";
  pugi::xml_document d;
  ASSERT_TRUE(d.load_string(doc.c_str()));
  EXPECT_EQ(xsi_type(d.child("a").child("b")), "string");
  EXPECT_EQ(xsi_type(d.child("a").child("c")), "");
}

TEST(InventoryBuilder, VcenterCapture) {
  const source::Inventory inv = vcenter_inventory(kVcInventory);
  ASSERT_EQ(inv.vms.size(), 2u);
  const auto& web = inv.vms[0];
  EXPECT_EQ(web.location, "/Europe/Lab/vm/prod/web/web01");
  EXPECT_EQ(web.moref, "vm-41");
  EXPECT_EQ(web.cpus, 2);
  EXPECT_EQ(web.disks.size(), 3u);
  EXPECT_EQ(web.nics.at(0).network_name, "pg-prod");
  EXPECT_EQ(web.nics.at(0).ipv6, std::vector<std::string>{"fd00::11"});
  EXPECT_EQ(web.snapshots.size(), 2u);
  EXPECT_EQ(inv.vms[1].location, "/Europe/Lab/vm/test/db01");
  EXPECT_TRUE(inv.vms[1].disks.at(1).rdm);
  ASSERT_EQ(inv.networks.size(), 4u);
  EXPECT_EQ(inv.networks[0].location, "/Europe/Lab/network/Backup");
  EXPECT_EQ(inv.networks[0].vlan_id, 20);
  EXPECT_EQ(inv.networks[3].location, "/Europe/Lab/network/dvs/pg-prod");
  EXPECT_EQ(inv.networks[3].vlan_id, 100);
  EXPECT_EQ(inv.networks[3].switch_name, "DSwitch-Prod");
}

TEST(InventoryBuilder, EsxiCapture) {
  const source::Inventory inv = inventory_of(
      "ha-folder-root", {testdata("inventory_esxi.xml"), testdata("host_network_esxi.xml")});
  ASSERT_EQ(inv.vms.size(), 2u);
  EXPECT_EQ(inv.vms[0].location, "/ha-datacenter/vm/Win2016");
  EXPECT_EQ(inv.vms[1].location, "/ha-datacenter/vm/app");
  ASSERT_EQ(inv.networks.size(), 2u);
  EXPECT_EQ(inv.networks[0].location, "/ha-datacenter/network/Backup");
  EXPECT_EQ(inv.networks[0].vlan_id, 20);
  EXPECT_EQ(inv.networks[0].switch_name, "vSwitch0");
}

// The same objects over two pages (a continuation token on the first) give the same inventory.
TEST(InventoryBuilder, PagesWithToken) {
  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_string(kVcInventory.c_str()));
  pugi::xml_node rv = doc.document_element()
                          .first_child()  // Body
                          .first_child()  // RetrievePropertiesExResponse
                          .child("returnval");
  ASSERT_TRUE(rv);
  std::vector<pugi::xml_node> objects;
  for (pugi::xml_node o : rv.children("objects")) objects.push_back(o);
  ASSERT_GT(objects.size(), 4u);
  pugi::xml_document second;
  second.reset(doc);
  // First page: the first half plus a token; second page: the rest.
  for (size_t i = objects.size() / 2; i < objects.size(); ++i) rv.remove_child(objects[i]);
  rv.append_child("token").text().set("page-2");
  pugi::xml_node rv2 = second.document_element().first_child().first_child().child("returnval");
  for (size_t i = 0; i < objects.size() / 2; ++i) rv2.remove_child(rv2.child("objects"));
  std::ostringstream a, b;
  doc.save(a);
  second.save(b);
  const RetrieveResult first = parse_retrieve_result(Reply::parse(a.str(), "RetrievePropertiesEx"));
  EXPECT_EQ(first.token, "page-2");
  const source::Inventory paged = inventory_of("group-d1", {a.str(), b.str(), kVcHostNetwork});
  const source::Inventory whole = vcenter_inventory(kVcInventory);
  ASSERT_EQ(paged.vms.size(), whole.vms.size());
  for (size_t i = 0; i < whole.vms.size(); ++i) {
    EXPECT_EQ(paged.vms[i].location, whole.vms[i].location);
    EXPECT_EQ(paged.vms[i].disks.size(), whole.vms[i].disks.size());
  }
  EXPECT_EQ(paged.networks.size(), whole.networks.size());
}

TEST(InventoryBuilder, RefusesMalformedProperties) {
  const auto build = [](const std::string& page) { return [page] { vcenter_inventory(page); }; };
  // numCPU as text.
  expect_refused(build(replaced(kVcInventory, R"(xsd:int">2<)", R"(xsd:int">two<)")),
                 {"vm-41", "numCPU", "not a whole number"});
  expect_refused(build(replaced(kVcInventory, R"(xsd:int">2048<)", R"(xsd:int">-5<)")),
                 {"vm-41", "memoryMB", "negative"});
  expect_refused(build(replaced(kVcInventory, ">poweredOn</val>", ">sleeping</val>")),
                 {"runtime.powerState", "sleeping"});
  // A folder that is its own parent.
  expect_refused(
      build(replaced(
          kVcInventory,
          R"(type="Folder">group-d1</val></propSet></objects><objects><obj type="Datacenter">)",
          R"(type="Folder">folder-2</val></propSet></objects><objects><obj type="Datacenter">)")),
      {"parent chain"});
  expect_refused(build(replaced(kVcInventory, R"(type="Folder">folder-38</val>)",
                                R"(type="Folder">folder-999</val>)")),
                 {"vm-41", "parent folder-999 is not in the inventory"});
  expect_refused(build(replaced(kVcInventory, "<name>base</name>", "")),
                 {"vm-41 snapshot.rootSnapshotList[0]", "<name> is missing"});
  expect_refused(build(replaced(kVcInventory, "<key>2000</key>", "<key>2000</key><key>1</key>")),
                 {"config.hardware.device", "<key> appears more than once"});
  expect_refused(build(replaced(kVcInventory, "<capacityInBytes>1073741824<",
                                "<capacityInBytes>99999999999999999999<")),
                 {"capacityInBytes", "out of range"});
  expect_refused(build(replaced(kVcInventory, "<vlanId>100</vlanId>", "<vlanId>5000</vlanId>")),
                 {"VLAN id out of range"});
  expect_refused(build(replaced(kVcInventory, R"(<obj type="VirtualMachine">vm-41</obj>)",
                                R"(<obj type="VirtualMachine"></obj>)")),
                 {"objects[5].obj", "empty managed object reference"});
}

TEST(InventoryBuilder, SnapshotTreeDepthIsBounded) {
  std::string tree;
  for (int i = 0; i < 300; ++i) {
    tree += R"(<childSnapshotList><snapshot type="VirtualMachineSnapshot">s)" + std::to_string(i) +
            "</snapshot><name>n</name><createTime>t</createTime>";
  }
  for (int i = 0; i < 300; ++i) tree += "</childSnapshotList>";
  const std::string page = replaced(kVcInventory, "<name>base</name>", "<name>base</name>" + tree);
  expect_refused([&] { vcenter_inventory(page); }, {"snapshot tree deeper than 256"});
}

TEST(Vim25Request, EscapesValues) {
  EXPECT_EQ(element("password", R"(a<b>&"c')"),
            "<password>a&lt;b&gt;&amp;&quot;c&apos;</password>");
  const std::string req =
      soap_request("Login", {"SessionManager", "ha-sessionmgr"}, element("userName", "root"));
  EXPECT_NE(
      req.find(
          R"(<Login xmlns="urn:vim25"><_this type="SessionManager">ha-sessionmgr</_this><userName>root</userName></Login>)"),
      std::string::npos);
  pugi::xml_document d;
  EXPECT_TRUE(d.load_string(req.c_str()));
}

TEST(SoapTransport, FingerprintsAndUrls) {
  EXPECT_EQ(normalize_fingerprint("BA:4F:5B"), "ba4f5b");
  EXPECT_EQ(normalize_fingerprint("ba4f5b"), "ba4f5b");
  const ServerUrl a = parse_server_url("https://vcenter.lab.test");
  EXPECT_EQ(a.host, "vcenter.lab.test");
  EXPECT_EQ(a.port, "443");
  EXPECT_EQ(a.path, "/sdk");
  const ServerUrl b = parse_server_url("https://[::1]:8443/sdk");
  EXPECT_EQ(b.host, "::1");
  EXPECT_EQ(b.port, "8443");
  EXPECT_THROW(parse_server_url("http://esxi/sdk"), source::SourceError);
  EXPECT_THROW(parse_server_url("https://esxi:port/"), source::SourceError);
  EXPECT_THROW(parse_server_url("https://user:pw@esxi/"), source::SourceError);
}

}  // namespace
}  // namespace mm::vmware
