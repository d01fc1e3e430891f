// The Incus client against a real incusd (the fixture's): trust, pinning, listings, custom block
// volumes written where the client says they live, and the refused VM creation of a host without
// KVM / vhost_vsock.
#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "orchestrator/incus/client.h"
#include "orchestrator/incus/connector.h"
#include "orchestrator/incus/error.h"
#include "orchestrator/incus/volume_location.h"
#include "tests/support/incus_server.h"

namespace mm::incus {
namespace {
using Kind = target::TargetError::Kind;
using test::IncusEnvironment;

test::IncusServer& incusd() {
  return IncusEnvironment::server();
}

// Runs `f` and returns the TargetError it throws (fails the test when it throws none).
template <class F>
IncusError error_of(F f) {
  try {
    f();
  } catch (const IncusError& e) {
    return e;
  }
  ADD_FAILURE() << "no error";
  return IncusError(Kind::kProtocol, "none");
}

TEST(IncusReal, ConnectsTrustedWithThePinnedFingerprint) {
  IncusConnector().check(incusd().endpoint());
  IncusClient client(incusd().endpoint());
  ServerInfo info = client.check_trusted();
  EXPECT_EQ(info.auth, "trusted");
  EXPECT_EQ(info.api_version, "1.0");
  EXPECT_EQ(info.server_version.rfind("6.", 0), 0u) << info.server_version;
  EXPECT_EQ(info.certificate_fingerprint, incusd().server_fingerprint());
  EXPECT_EQ(client.served_fingerprint(), incusd().server_fingerprint());
}

TEST(IncusReal, PinsInColonUpperCaseFormAreTheSame) {
  auto e = incusd().endpoint();
  std::string pin;
  for (size_t i = 0; i < e.trusted_fingerprint.size(); i += 2) {
    pin += (i ? ":" : "") + e.trusted_fingerprint.substr(i, 2);
  }
  for (char& c : pin) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  e.trusted_fingerprint = pin;
  IncusConnector().check(e);
}

TEST(IncusReal, WrongPinReportsTheServedFingerprint) {
  auto e = incusd().endpoint();
  e.trusted_fingerprint = std::string(64, '0');
  IncusError err = error_of([&] { IncusConnector().check(e); });
  EXPECT_EQ(err.kind(), Kind::kUntrustedCertificate);
  EXPECT_EQ(err.fingerprint(), incusd().server_fingerprint());
}

TEST(IncusReal, MissingPinMeansSystemCasAndIncusIsSelfSigned) {
  auto e = incusd().endpoint();
  e.trusted_fingerprint.clear();
  IncusError err = error_of([&] { IncusConnector().check(e); });
  EXPECT_EQ(err.kind(), Kind::kUntrustedCertificate) << err.what();
  EXPECT_EQ(err.fingerprint(), incusd().server_fingerprint());
  EXPECT_EQ(err.fingerprint().size(), 64u);
}

TEST(IncusReal, UntrustedClientCertificateIsAuthFailed) {
  auto e = incusd().endpoint();
  e.tls_client_cert = incusd().untrusted_client().cert_pem;
  e.tls_client_key = incusd().untrusted_client().key_pem;
  EXPECT_EQ(error_of([&] { IncusConnector().check(e); }).kind(), Kind::kAuthFailed);
  IncusClient client(e);
  IncusError listing = error_of([&] { client.projects(); });
  EXPECT_EQ(listing.kind(), Kind::kAuthFailed);
  EXPECT_EQ(listing.code(), 403);
  // No certificate at all.
  e.tls_client_cert.clear();
  e.tls_client_key.clear();
  EXPECT_EQ(error_of([&] { IncusConnector().check(e); }).kind(), Kind::kAuthFailed);
}

TEST(IncusReal, ClosedPortIsUnreachable) {
  auto e = incusd().endpoint();
  e.url = "https://127.0.0.1:8444";
  EXPECT_EQ(error_of([&] { IncusConnector().check(e); }).kind(), Kind::kUnreachable);
}

TEST(IncusReal, ListsProjectsPoolsAndNetworks) {
  IncusClient client(incusd().endpoint());
  auto projects = client.projects();
  ASSERT_FALSE(projects.empty());
  EXPECT_EQ(projects[0].name, "default");
  auto pools = client.storage_pools();
  ASSERT_EQ(pools.size(), 1u);
  EXPECT_EQ(pools[0].name, "default");
  EXPECT_EQ(pools[0].driver, "dir");
  EXPECT_EQ(pools[0].config.at("source"), incusd().pool_source());
  EXPECT_EQ(client.storage_pool("default").driver, "dir");
  EXPECT_TRUE(error_of([&] { client.storage_pool("nope"); }).not_found());
  auto networks = client.networks();
  bool loopback = false;
  for (const auto& n : networks) loopback = loopback || (n.name == "lo" && n.type == "loopback");
  EXPECT_TRUE(loopback) << "a namespace with only loopback lists lo";
}

TEST(IncusReal, UnixSocketNeedsNoCertificate) {
  target::TargetEndpoint e;
  e.url = incusd().unix_url();
  IncusClient client(e);
  EXPECT_EQ(client.check_trusted().auth, "trusted");
}

TEST(IncusReal, CustomBlockVolumeLivesWhereTheClientSays) {
  IncusClient client(incusd().endpoint());
  const std::string name = "mm-disk1";
  StorageVolume vol =
      client.create_custom_volume("default", "default", {name, "64MiB", "block", "", {}});
  EXPECT_EQ(vol.content_type, "block");
  EXPECT_EQ(vol.config.at("size"), "64MiB");
  EXPECT_EQ(client.custom_volume("default", "default", name).name, name);

  VolumeLocation loc = locate_custom_volume(client, "default", "default", name);
  EXPECT_EQ(loc.driver, "dir");
  EXPECT_EQ(loc.path, incusd().pool_source() + "/custom/default_" + name + "/root.img");
  ASSERT_TRUE(std::filesystem::is_regular_file(loc.path));
  EXPECT_EQ(std::filesystem::file_size(loc.path), 64u << 20);

  // What mm-transfer does: write the disk's bytes into it.
  const std::vector<char> pattern(4096, '\x5a');
  const int fd = ::open(loc.path.c_str(), O_RDWR);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::pwrite(fd, pattern.data(), pattern.size(), 1 << 20), 4096);
  std::vector<char> back(4096);
  ASSERT_EQ(::pread(fd, back.data(), back.size(), 1 << 20), 4096);
  ::close(fd);
  EXPECT_EQ(back, pattern);

  // Same name again: Incus refuses with 409.
  EXPECT_EQ(error_of([&] {
              client.create_custom_volume("default", "default", {name, "64MiB", "block", "", {}});
            }).code(),
            409);
  client.delete_custom_volume("default", "default", name);
  EXPECT_FALSE(std::filesystem::exists(loc.path));
  EXPECT_TRUE(error_of([&] { client.custom_volume("default", "default", name); }).not_found());
}

TEST(IncusReal, VmCreationIsRefusedWithoutKvmAndSaysWhy) {
  IncusClient client(incusd().endpoint());
  InstanceSpec spec;
  spec.name = "mm-vm";
  spec.disks = {{"root", "default", "/", "1GiB", "", {}}};
  IncusError err = error_of([&] { client.create_instance("default", spec); });
  EXPECT_EQ(err.kind(), Kind::kProtocol);
  EXPECT_NE(std::string(err.what()).find("creating instance mm-vm"), std::string::npos);
  EXPECT_NE(std::string(err.what()).find("virtual-machine"), std::string::npos) << err.what();
  EXPECT_TRUE(error_of([&] { client.instance("default", "mm-vm"); }).not_found());
}

TEST(IncusReal, WaitingOnAnUnknownOperationIsNotFound) {
  IncusClient client(incusd().endpoint());
  EXPECT_TRUE(error_of([&] {
                client.wait_operation("/1.0/operations/123e4567-e89b-12d3-a456-426614174000");
              }).not_found());
}

}  // namespace
}  // namespace mm::incus
