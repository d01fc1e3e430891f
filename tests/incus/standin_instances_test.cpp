// The client's VM instance calls against the stand-in (CI cannot run VMs): create with CPUs,
// memory, firmware, NICs with fixed MACs and disks on chosen pools; start, stop, delete; the
// operations they start waited on, failures reported and the target's timeout honoured.
#include <gtest/gtest.h>

#include <chrono>

#include "orchestrator/incus/client.h"
#include "orchestrator/incus/error.h"
#include "tests/support/incus_server.h"

namespace mm::incus {
namespace {
using Kind = target::TargetError::Kind;
using Clock = std::chrono::steady_clock;

class StandinInstances : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new test::TempDir;
    client_cert_ = new test::TestCert(test::make_test_cert(dir_->path(), "client"));
    standin_ = new test::IncusStandin(*dir_, *client_cert_, "-pools default,fast -op-delay 20ms");
  }
  static void TearDownTestSuite() {
    delete standin_;
    delete client_cert_;
    delete dir_;
  }
  static target::TargetEndpoint endpoint() { return standin_->endpoint(*client_cert_); }

  static InstanceSpec spec(const std::string& name) {
    InstanceSpec s;
    s.name = name;
    s.cpus = 2;
    s.memory_bytes = 2ull << 30;
    s.firmware = Firmware::kUefiSecureBoot;
    s.nics = {{"eth0", "00:16:3e:00:00:01", "prod-net", "", "", ""},
              {"eth1", "00:16:3e:00:00:02", "", "macvlan", "enp5s0", "42"}};
    s.disks = {{"root", "default", "/", "20GiB", "", {}},
               {"disk1", "fast", "", "", name + "-disk1", {}}};
    return s;
  }

  static test::TempDir* dir_;
  static test::TestCert* client_cert_;
  static test::IncusStandin* standin_;
};
test::TempDir* StandinInstances::dir_;
test::TestCert* StandinInstances::client_cert_;
test::IncusStandin* StandinInstances::standin_;

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

TEST_F(StandinInstances, VmLifecycle) {
  IncusClient client(endpoint());
  Operation created = client.create_instance("default", spec("web01"));
  EXPECT_TRUE(created.succeeded());
  EXPECT_EQ(created.description, "Creating instance");
  EXPECT_EQ(created.resources.at("instances").at(0), "/1.0/instances/web01");

  Instance vm = client.instance("default", "web01");
  EXPECT_EQ(vm.type, "virtual-machine");
  EXPECT_EQ(vm.status, "Stopped");
  EXPECT_EQ(vm.config.at("limits.cpu"), "2");
  EXPECT_EQ(vm.config.at("limits.memory"), "2147483648B");
  EXPECT_EQ(vm.config.at("security.secureboot"), "true");
  EXPECT_EQ(vm.devices.at("eth0").at("hwaddr"), "00:16:3e:00:00:01");
  EXPECT_EQ(vm.devices.at("eth0").at("network"), "prod-net");
  EXPECT_EQ(vm.devices.at("eth1").at("nictype"), "macvlan");
  EXPECT_EQ(vm.devices.at("eth1").at("vlan"), "42");
  EXPECT_EQ(vm.devices.at("root").at("pool"), "default");
  EXPECT_EQ(vm.devices.at("root").at("size"), "20GiB");
  EXPECT_EQ(vm.devices.at("disk1").at("pool"), "fast");
  EXPECT_EQ(vm.devices.at("disk1").at("source"), "web01-disk1");

  auto listed = client.instances("default");
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].name, "web01");

  EXPECT_EQ(client.start_instance("default", "web01").description, "Starting instance");
  EXPECT_EQ(client.instance("default", "web01").status, "Running");
  // Incus refuses to delete a running instance.
  EXPECT_EQ(error_of([&] { client.delete_instance("default", "web01"); }).code(), 400);
  EXPECT_EQ(client.stop_instance("default", "web01", true).description, "Stopping instance");
  EXPECT_EQ(client.instance("default", "web01").status, "Stopped");
  IncusError again = error_of([&] { client.stop_instance("default", "web01"); });
  EXPECT_NE(std::string(again.what()).find("The instance is already stopped"), std::string::npos);

  EXPECT_EQ(client.delete_instance("default", "web01").description, "Deleting instance");
  EXPECT_TRUE(error_of([&] { client.instance("default", "web01"); }).not_found());
  EXPECT_TRUE(client.instances("default").empty());
}

TEST_F(StandinInstances, BiosFirmwareAndProjects) {
  IncusClient client(endpoint());
  InstanceSpec s = spec("legacy");
  s.firmware = Firmware::kBios;
  client.create_instance("tenant", s);
  Instance vm = client.instance("tenant", "legacy");
  EXPECT_EQ(vm.project, "tenant");
  EXPECT_EQ(vm.config.at("security.csm"), "true");
  EXPECT_EQ(vm.config.at("security.secureboot"), "false");
  EXPECT_TRUE(client.instances("default").empty());
  EXPECT_TRUE(error_of([&] { client.instance("default", "legacy"); }).not_found());
  client.delete_instance("tenant", "legacy");
}

TEST_F(StandinInstances, FailedOperationsCarryIncusMessages) {
  IncusClient client(endpoint());
  InstanceSpec s = spec("badpool");
  s.disks[0].pool = "missing";
  IncusError pool = error_of([&] { client.create_instance("default", s); });
  EXPECT_NE(std::string(pool.what()).find("Storage pool not found"), std::string::npos)
      << pool.what();

  client.create_instance("default", spec("twice"));
  IncusError dup = error_of([&] { client.create_instance("default", spec("twice")); });
  EXPECT_NE(std::string(dup.what()).find("UNIQUE constraint failed"), std::string::npos)
      << dup.what();
  client.delete_instance("default", "twice");
}

TEST_F(StandinInstances, OperationTimeoutIsHonoured) {
  auto e = endpoint();
  e.connection_timeout = "1s";
  IncusClient client(e);
  InstanceSpec s = spec("slow");
  s.config["user.standin.delay"] = "2s";
  const auto start = Clock::now();
  IncusError err = error_of([&] { client.create_instance("default", s); });
  const auto took = Clock::now() - start;
  EXPECT_TRUE(err.timed_out()) << err.what();
  EXPECT_NE(std::string(err.what()).find("timed out after 1s"), std::string::npos) << err.what();
  EXPECT_GE(took, std::chrono::milliseconds(900));
  EXPECT_LT(took, std::chrono::milliseconds(3000));

  // The same operation, waited on with a longer bound, finishes.
  IncusClient patient(endpoint());
  Reply r = patient.call("GET", "/1.0/operations");
  ASSERT_EQ(r.type, ReplyType::kSync);
  ASSERT_TRUE(r.metadata.contains("running"));
  const std::string op = r.metadata["running"][0].get<std::string>();
  EXPECT_TRUE(patient.wait_operation(op, std::chrono::seconds(10)).succeeded());
  patient.delete_instance("default", "slow");
}

TEST_F(StandinInstances, RequestTimeoutIsHonoured) {
  IncusClient client(endpoint());
  InstanceSpec s = spec("slow2");
  s.config["user.standin.delay"] = "1500ms";
  Reply r = client.call("POST", "/1.0/instances", instance_create_body(s));
  ASSERT_EQ(r.type, ReplyType::kAsync);
  // A wait whose HTTP exchange is cut short by the client's own deadline.
  client.set_request_timeout(std::chrono::milliseconds(300));
  const auto start = Clock::now();
  IncusError err = error_of([&] {
    client.call("GET", "/1.0/operations/" + operation_id(r.operation) + "/wait?timeout=10");
  });
  EXPECT_EQ(err.kind(), Kind::kUnreachable);
  EXPECT_TRUE(err.timed_out()) << err.what();
  EXPECT_LT(Clock::now() - start, std::chrono::milliseconds(2000));
  client.set_request_timeout(std::chrono::seconds(30));
  client.wait_operation(r.operation);
  client.delete_instance("default", "slow2");
}

TEST_F(StandinInstances, UntrustedClientIsRefused) {
  auto other = test::make_test_cert(dir_->path(), "stranger");
  IncusClient client(standin_->endpoint(other));
  EXPECT_EQ(error_of([&] { client.check_trusted(); }).kind(), Kind::kAuthFailed);
  EXPECT_EQ(error_of([&] { client.instances(); }).code(), 403);
}

}  // namespace
}  // namespace mm::incus
