// Request bodies, endpoint URLs, pins and volume paths: everything decided before talking to Incus.
#include <gtest/gtest.h>

#include <stdexcept>

#include "orchestrator/incus/client.h"
#include "orchestrator/incus/connector.h"
#include "orchestrator/incus/error.h"
#include "orchestrator/incus/requests.h"
#include "orchestrator/incus/transport.h"
#include "orchestrator/incus/volume_location.h"

namespace mm::incus {
namespace {
using Kind = target::TargetError::Kind;

InstanceSpec vm_spec() {
  InstanceSpec s;
  s.name = "web01";
  s.cpus = 4;
  s.memory_bytes = 4ull << 30;
  s.firmware = Firmware::kUefiSecureBoot;
  s.nics = {{"eth0", "00:16:3e:aa:bb:01", "incusbr0", "", "", ""},
            {"eth1", "00:16:3e:aa:bb:02", "", "macvlan", "enp5s0", "42"},
            {"eth2", "00:16:3e:aa:bb:03", "", "bridged", "br0", "10,20"}};
  s.disks = {{"root", "fast", "/", "20GiB", "", {}}, {"disk1", "slow", "", "", "web01-disk1", {}}};
  return s;
}

TEST(IncusRequests, InstanceBodyCarriesLimitsFirmwareNicsAndDisks) {
  const auto body = instance_create_body(vm_spec());
  EXPECT_EQ(body["type"], "virtual-machine");
  EXPECT_EQ(body["source"]["type"], "none");
  EXPECT_EQ(body["config"]["limits.cpu"], "4");
  EXPECT_EQ(body["config"]["limits.memory"], "4294967296B");
  EXPECT_EQ(body["config"]["security.secureboot"], "true");
  EXPECT_FALSE(body["config"].contains("security.csm"));
  EXPECT_EQ(body["devices"]["eth0"]["network"], "incusbr0");
  EXPECT_EQ(body["devices"]["eth0"]["hwaddr"], "00:16:3e:aa:bb:01");
  EXPECT_EQ(body["devices"]["eth1"]["nictype"], "macvlan");
  EXPECT_EQ(body["devices"]["eth1"]["parent"], "enp5s0");
  EXPECT_EQ(body["devices"]["eth1"]["vlan"], "42");
  EXPECT_EQ(body["devices"]["eth2"]["vlan.tagged"], "10,20");
  EXPECT_EQ(body["devices"]["root"]["path"], "/");
  EXPECT_EQ(body["devices"]["root"]["pool"], "fast");
  EXPECT_EQ(body["devices"]["root"]["size"], "20GiB");
  EXPECT_EQ(body["devices"]["disk1"]["source"], "web01-disk1");
  EXPECT_EQ(body["devices"]["disk1"]["pool"], "slow");

  InstanceSpec bios = vm_spec();
  bios.firmware = Firmware::kBios;
  const auto b = instance_create_body(bios);
  EXPECT_EQ(b["config"]["security.csm"], "true");
  EXPECT_EQ(b["config"]["security.secureboot"], "false");
}

TEST(IncusRequests, InstanceBodyRefusesWhatIncusWould) {
  auto refuses = [](auto mutate) {
    InstanceSpec s = vm_spec();
    mutate(s);
    EXPECT_THROW(instance_create_body(s), std::invalid_argument);
  };
  refuses([](InstanceSpec& s) { s.name = "bad name"; });
  refuses([](InstanceSpec& s) { s.name = "1abc"; });
  refuses([](InstanceSpec& s) { s.cpus = 0; });
  refuses([](InstanceSpec& s) { s.nics[0].hwaddr = "00:16:3e:aa:bb"; });
  refuses([](InstanceSpec& s) { s.nics[0].parent = "br0"; });  // network and parent
  refuses([](InstanceSpec& s) { s.nics[1].parent = ""; });
  refuses([](InstanceSpec& s) { s.disks[1].source = ""; });
  refuses([](InstanceSpec& s) { s.disks[1].path = "/"; });  // two roots
  refuses([](InstanceSpec& s) { s.disks.push_back(s.disks[1]); });
  refuses([](InstanceSpec& s) { s.config["security.csm"] = "true"; });  // with secure boot
}

TEST(IncusRequests, VolumeAndStateBodies) {
  const auto v = volume_create_body({"web01-disk1", "2GiB", "block", "", {}});
  EXPECT_EQ(v["content_type"], "block");
  EXPECT_EQ(v["config"]["size"], "2GiB");
  EXPECT_THROW(volume_create_body({"", "2GiB", "block", "", {}}), std::invalid_argument);
  EXPECT_EQ(instance_state_body("stop", 30, true)["force"], true);
  EXPECT_THROW(instance_state_body("jump", 30, false), std::invalid_argument);
}

TEST(IncusTransport, EndpointUrls) {
  auto a = parse_endpoint_url("https://10.0.0.5:8443");
  EXPECT_EQ(a.host, "10.0.0.5");
  EXPECT_EQ(a.port, "8443");
  EXPECT_EQ(parse_endpoint_url("https://incus.example/").port, "8443");
  auto v6 = parse_endpoint_url("https://[fd00::1]:9443");
  EXPECT_EQ(v6.host, "fd00::1");
  EXPECT_EQ(v6.port, "9443");
  auto u = parse_endpoint_url("unix:///var/lib/incus/unix.socket");
  EXPECT_TRUE(u.unix_socket);
  EXPECT_EQ(u.socket_path, "/var/lib/incus/unix.socket");
  for (const char* bad : {"http://h:8443", "https://", "https://h:0", "https://h:99999",
                          "https://h:x", "https://h/1.0", "unix://rel", "https://[::1"}) {
    try {
      parse_endpoint_url(bad);
      ADD_FAILURE() << bad;
    } catch (const IncusError& e) {
      EXPECT_EQ(e.kind(), Kind::kUnreachable) << bad;
    }
  }
  EXPECT_EQ(normalize_fingerprint("AB:cd:EF"), "abcdef");
}

TEST(IncusClientSetup, RejectsBadSettings) {
  target::TargetEndpoint e;
  e.url = "https://127.0.0.1:1";
  e.connection_timeout = "5 minutes";
  EXPECT_THROW(IncusClient{e}, std::invalid_argument);
  e.connection_timeout = "90s";
  EXPECT_EQ(IncusClient{e}.operation_timeout(), std::chrono::seconds(90));
  e.connection_timeout = "";
  EXPECT_EQ(IncusClient{e}.operation_timeout(), std::chrono::minutes(5));
  e.oidc_tokens = R"({"refresh_token":"r"})";
  EXPECT_THROW(IncusClient{e}, IncusError);
  e.oidc_tokens = "";
  e.tls_client_cert = "not a pem";
  e.tls_client_key = "not a pem";
  try {
    IncusClient c{e};
    FAIL();
  } catch (const IncusError& err) {
    EXPECT_NE(std::string(err.what()).find("tls_client_cert"), std::string::npos);
  }
}

TEST(IncusConnectorCheck, ClosedPortIsUnreachableAndBadTimeoutIsAnError) {
  IncusConnector connector;
  target::TargetEndpoint e;
  e.url = "https://127.0.0.1:1";
  try {
    connector.check(e);
    FAIL();
  } catch (const target::TargetError& err) {
    EXPECT_EQ(err.kind(), Kind::kUnreachable) << err.what();
  }
  e.connection_timeout = "soon";
  try {
    connector.check(e);
    FAIL();
  } catch (const target::TargetError& err) {
    EXPECT_EQ(err.kind(), Kind::kProtocol);
  }
}

TEST(IncusVolumeLocation, DirPoolsResolveOtherDriversSaySo) {
  StoragePool pool{
      "default", "dir", "", "Created", {{"source", "/var/lib/incus/storage-pools/default/"}}};
  StorageVolume vol{"disk1", "custom", "block", "default", "none", "", {{"size", "2GiB"}}};
  EXPECT_EQ(resolve_volume_location(pool, vol, "default").path,
            "/var/lib/incus/storage-pools/default/custom/default_disk1/root.img");
  vol.project = "";
  EXPECT_EQ(resolve_volume_location(pool, vol, "tenant").path,
            "/var/lib/incus/storage-pools/default/custom/tenant_disk1/root.img");
  StorageVolume fs = vol;
  fs.content_type = "filesystem";
  EXPECT_THROW(resolve_volume_location(pool, fs, "default"), IncusError);
  for (const char* driver : {"lvm", "zfs", "ceph", "btrfs"}) {
    StoragePool other = pool;
    other.driver = driver;
    try {
      resolve_volume_location(other, vol, "default");
      ADD_FAILURE() << driver;
    } catch (const IncusError& e) {
      EXPECT_NE(std::string(e.what()).find(driver), std::string::npos);
      EXPECT_NE(std::string(e.what()).find("docs/incus-client.md"), std::string::npos);
    }
  }
  pool.config.clear();
  EXPECT_THROW(resolve_volume_location(pool, vol, "default"), IncusError);
}

TEST(IncusVolumeLocation, VmRootVolumesArePrefixedOnlyOutsideTheDefaultProject) {
  StoragePool pool{"pool02", "dir", "", "Created", {{"source", "/srv/incus/pool02//"}}};
  EXPECT_EQ(resolve_instance_root_location(pool, "default", "web01").path,
            "/srv/incus/pool02/virtual-machines/web01/root.img");
  EXPECT_EQ(resolve_instance_root_location(pool, "", "web01").path,
            "/srv/incus/pool02/virtual-machines/web01/root.img");
  const VolumeLocation tenant = resolve_instance_root_location(pool, "tenant", "web01");
  EXPECT_EQ(tenant.path, "/srv/incus/pool02/virtual-machines/tenant_web01/root.img");
  EXPECT_EQ(tenant.driver, "dir");
  EXPECT_TRUE(tenant.regular_file);
  for (const char* driver : {"lvm", "zfs", "ceph", "btrfs"}) {
    StoragePool other = pool;
    other.driver = driver;
    try {
      resolve_instance_root_location(other, "default", "web01");
      ADD_FAILURE() << driver;
    } catch (const IncusError& e) {
      EXPECT_NE(std::string(e.what()).find(driver), std::string::npos);
      EXPECT_NE(std::string(e.what()).find("not supported"), std::string::npos);
    }
  }
  pool.config["source"] = "relative/dir";
  EXPECT_THROW(resolve_instance_root_location(pool, "default", "web01"), IncusError);
}

}  // namespace
}  // namespace mm::incus
