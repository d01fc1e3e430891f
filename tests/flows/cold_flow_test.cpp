// Cold migration end to end (docs/cold-migration.md) on the VMware simulator and the Incus lab,
// with the real scheduler, steps, mm-transfer workers and `mm-transfer inspect`: POST
// /1.0/migrations for each lab VM runs Queued -> Export -> Inspect -> Write Volume -> Guest Fixes
// -> Finalize -> Completed with the document's events in order and the target's digest equal to
// the source's; a fault injected in each stage (MigrationSteps::inject_fault, tests only) ends in
// Error naming the stage with the source powered back on. Also preflight against the lab.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>

#include "orchestrator/api/router.h"
#include "orchestrator/daemon/http_server.h"
#include "orchestrator/incus/client.h"
#include "orchestrator/migration/preflight.h"
#include "orchestrator/tls/identity.h"
#include "tests/flows/flow_world.h"
#include "tests/flows/lab_environment.h"

namespace mm::test {
namespace {

using migration::StepKind;
using nlohmann::json;

constexpr int64_t kDisk = 16 << 20;

// Debian12: a real guest disk (GPT, EFI system partition, ext4 with /etc/os-release), no change
// tracking. Win2016: disk data only, change tracking on.
const char* kModel = R"json({
  "datastores": [{"name": "datastore-01", "path": "@DS@"}],
  "networks": [{"name": "VMWARE"}],
  "vms": [
    {"name": "Debian12", "instance_uuid": "52d89a93-ff8f-9dea-4d74-ec99beb1d2d4",
     "guest_id": "debian12_64Guest", "guest_os": "Debian GNU/Linux 12 (bookworm)",
     "cpus": 2, "memory_mb": 2048, "power_state": "poweredOn", "change_tracking": false,
     "disks": [{"capacity": 16777216}],
     "nics": [{"network": "VMWARE", "ips": ["10.10.0.13"]}]},
    {"name": "Win2016", "instance_uuid": "52cfcb6b-20ee-add3-adc9-68c63ca9adfd",
     "guest_id": "windows9Server64Guest", "guest_os": "Windows Server 2016, 64-bit",
     "cpus": 2, "memory_mb": 4096, "power_state": "poweredOn", "change_tracking": true,
     "disks": [{"capacity": 16777216}],
     "nics": [{"network": "VMWARE", "ips": ["10.10.0.11"]}]}
  ]})json";

// Builds the guest disk in the VM's flat image with the tools a user has: sgdisk, mkfs.fat and
// mkfs.ext4 at offsets (no root, no loop device).
void make_debian_disk(const std::string& image, const std::string& scratch) {
  must_run("mkdir -p '" + scratch + "/root/etc' && printf '%s' '" +
           "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\n"
           "VERSION_ID=\"12\"\nID=debian\n' > '" +
           scratch + "/root/etc/os-release'");
  must_run("sgdisk -n 1:2048:+4M -t 1:ef00 -n 2:0:0 -t 2:8300 '" + image + "' >/dev/null 2>&1");
  must_run("mkfs.fat --offset=2048 '" + image + "' 4096 >/dev/null 2>&1");
  must_run("mkfs.ext4 -q -F -E offset=" + std::to_string(10240 * 512) + " -d '" + scratch +
           "/root' '" + image + "' 10M >/dev/null 2>&1");
}

class ColdFlow : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(LabEnvironment::lab);
    world_ = std::make_unique<FlowWorld>(*LabEnvironment::lab, kModel, at(0, 30));
    make_debian_disk(world_->flat_image("Debian12"), scratch_.path());
    world_->guest_write("Win2016", 0, 1 << 20, 1);
    world_->guest_write("Win2016", 7 << 20, 2 << 20, 2);
    world_->guest_write("Win2016", kDisk - (64 << 10), 64 << 10, 3);
    router_ = std::make_unique<api::Router>(world_->store(), api::ServerInfo{}, nullptr,
                                            &world_->scheduler());
  }
  void TearDown() override {
    router_.reset();
    world_.reset();
    LabEnvironment::clean();
  }

  api::Response post(const std::string& path, const json& body) {
    return router_->handle({"POST", path, body.dump(), true});
  }
  api::Response migrate(const std::string& vm) {
    return post("/1.0/migrations", {{"instance", vm},
                                    {"kind", "cold"},
                                    {"target", "incus01"},
                                    {"network_map", {{"VMWARE", "incusbr0"}}}});
  }
  void wait_stage(const std::string& name, const std::string& stage, int seconds = 120) {
    ASSERT_TRUE(world_->wait_for([&] { return world_->stage(name) == stage; }, seconds))
        << name << " is " << world_->status(name) << ", expected " << stage << "\n"
        << world_->history(name);
  }
  migration::QueueData data(const std::string& name) {
    return migration::parse_queue_data(
        world_->store().get_queue_entry(world_->uuid_of(name))->data);
  }
  json progress_data(const std::string& name, const std::string& type) {
    for (const auto& e : world_->store().list_queue_events(world_->uuid_of(name))) {
      if (e.type == type) return json::parse(e.data);
    }
    return nullptr;
  }

  TempDir scratch_;
  std::unique_ptr<FlowWorld> world_;
  std::unique_ptr<api::Router> router_;
};

TEST_F(ColdFlow, EachLabVmCompletesEveryStageWithTheDocumentsEventsAndEqualDigests) {
  for (const std::string vm : {"Debian12", "Win2016"}) {
    const api::Response r = migrate(vm);
    ASSERT_EQ(r.status, 201) << r.body;
    wait_stage(vm, "completed");
    EXPECT_EQ(world_->event_types(vm),
              (std::vector<std::string>{"created", "placement", "source.powered_off",
                                        "export.started", "inspect.completed", "write.started",
                                        "guest_fixes.started", "guest_fixes.skipped",
                                        "finalize.completed", "migration.completed"}))
        << world_->history(vm);
    const json exported = progress_data(vm, "export.progress");
    ASSERT_TRUE(exported.is_object());
    EXPECT_EQ(exported.value("bytes_total", int64_t{0}), kDisk);
    EXPECT_TRUE(progress_data(vm, "write.progress").is_object());
    EXPECT_EQ(FlowWorld::digest(world_->flat_image(vm)),
              FlowWorld::digest(world_->target_root_path(vm)));
    // The source was only read and stays off until the user confirms.
    EXPECT_EQ(world_->source_power_state(vm), "poweredOff");
    const migration::QueueData d = data(vm);
    EXPECT_EQ(d.guest_fixes, "skipped: virt-v2v-in-place is not installed");
  }
  // The inspection of the copied disk, not the source's settings, chose Debian12's firmware.
  const migration::QueueData deb = data("Debian12");
  EXPECT_EQ(deb.firmware, "uefi");
  EXPECT_EQ(deb.guest_os, "Debian GNU/Linux 12 (bookworm)");
  incus::IncusClient ic(LabEnvironment::lab->endpoint());
  const incus::Instance target = ic.instance("default", "Debian12");
  EXPECT_EQ(target.config.at("security.csm"), "false");
  EXPECT_EQ(target.config.at("user.migration-manager.guest-os"), "Debian GNU/Linux 12 (bookworm)");
  EXPECT_EQ(data("Win2016").firmware, "unknown");

  world_->scheduler().confirm(world_->uuid_of("Win2016"));
  EXPECT_EQ(world_->stage("Win2016"), "finished");
  EXPECT_EQ(world_->source_power_state("Win2016"), "poweredOff");
  // A second migration of a queued instance is refused.
  EXPECT_EQ(migrate("Win2016").status, 409);
}

TEST_F(ColdFlow, AFaultInEachStageEndsInErrorNamingItAndPowersTheSourceBackOn) {
  const std::vector<std::pair<StepKind, std::string>> stages = {
      {StepKind::kExport, "export"},
      {StepKind::kInspect, "inspect"},
      {StepKind::kWriteVolume, "write_volume"},
      {StepKind::kGuestFixes, "guest_fixes"},
      {StepKind::kFinalize, "finalize"}};
  const std::string vm = "Win2016";
  for (size_t i = 0; i < stages.size(); ++i) {
    world_->steps().inject_fault(stages[i].first, "test fault in " + stages[i].second);
    if (i == 0) {
      ASSERT_EQ(migrate(vm).status, 201);
    } else {
      world_->scheduler().retry(world_->uuid_of(vm));
    }
    wait_stage(vm, "error");
    const migration::QueueData d = data(vm);
    EXPECT_EQ(d.error_stage, stages[i].second);
    EXPECT_EQ(d.error_reason, "injected fault: test fault in " + stages[i].second);
    ASSERT_TRUE(world_->wait_for([&] { return world_->source_power_state(vm) == "poweredOn"; }, 30))
        << stages[i].second << "\n"
        << world_->history(vm);
    const auto types = world_->event_types(vm);
    EXPECT_NE(std::find(types.begin(), types.end(), "source.powered_on"), types.end());
  }
  // With no fault left, the retry completes and the disk is equal.
  world_->scheduler().retry(world_->uuid_of(vm));
  wait_stage(vm, "completed");
  EXPECT_EQ(FlowWorld::digest(world_->flat_image(vm)),
            FlowWorld::digest(world_->target_root_path(vm)));
  EXPECT_EQ(world_->source_power_state(vm), "poweredOff");
}

TEST_F(ColdFlow, PreflightPassesWarnsAndFailsWithReasons) {
  std::string measurements = scratch_.file("measurements.json");
  std::ofstream(measurements) << R"({"version":1,"throughput_bytes_per_second":4194304})";
  migration::Preflight pf(world_->store(), {measurements});
  auto verdict_of = [](const json& answer, const std::string& check) {
    for (const auto& c : answer["instances"][0]["checks"]) {
      if (c["check"] == check)
        return c["result"].get<std::string>() + ": " + c["reason"].get<std::string>();
    }
    return std::string("missing");
  };
  // Win2016: change tracking, OS, IPv4, a mapped network on the target: Pass.
  json a = pf.run({{"instances", {"Win2016"}}, {"target", "incus01"}});
  EXPECT_EQ(a["instances"][0]["verdict"], "Pass") << a.dump(2);
  EXPECT_EQ(verdict_of(a, "name").substr(0, 4), "Pass");
  EXPECT_EQ(verdict_of(a, "storage_pool").substr(0, 4), "Pass");
  EXPECT_EQ(verdict_of(a, "project_limits").substr(0, 4), "Pass");
  // 16 MiB at the measured 4 MiB/s.
  EXPECT_EQ(a["instances"][0]["estimated_copy_seconds"], 4);
  EXPECT_NE(verdict_of(a, "copy_time").find("measured"), std::string::npos);
  // Debian12 has no change tracking: Warn (a cold migration does not need it).
  a = pf.run({{"instances", {"Debian12"}}});
  EXPECT_EQ(a["instances"][0]["verdict"], "Warn") << a.dump(2);
  EXPECT_EQ(verdict_of(a, "change_tracking").substr(0, 4), "Warn");
  // A network the target does not have: Fail, naming it.
  a = pf.run({{"instances", {"Win2016"}}, {"network_map", {{"VMWARE", "nosuchnet"}}}});
  EXPECT_EQ(a["instances"][0]["verdict"], "Fail");
  EXPECT_NE(verdict_of(a, "networks").find("\"nosuchnet\" does not exist"), std::string::npos);
  // A pool that does not exist: Fail.
  a = pf.run({{"instances", {"Win2016"}}, {"pool", "nosuchpool"}});
  EXPECT_EQ(verdict_of(a, "storage_pool").substr(0, 4), "Fail");
  // The name taken on the target by an instance that is not ours: Fail.
  incus::IncusClient ic(LabEnvironment::lab->endpoint());
  incus::InstanceSpec spec;
  spec.name = "Win2016";
  spec.disks.push_back({"root", "default", "/", "16MiB", "", {}});
  ic.create_instance("default", spec);
  a = pf.run({{"instances", {"Win2016"}}});
  EXPECT_EQ(verdict_of(a, "name").substr(0, 4), "Fail");
  // Through the API, with the answer as JSON; an unknown instance is a 404.
  router_->set_preflight(&pf);
  const api::Response r = post("/1.0/preflight", {{"batch", nullptr}, {"instances", {"nope"}}});
  EXPECT_EQ(r.status, 404) << r.body;
  EXPECT_EQ(post("/1.0/preflight", {{"instances", {"Debian12"}}}).status, 200);
  EXPECT_EQ(post("/1.0/preflight", json::object()).status, 400);
}

// The CLI against this world's store and scheduler, served on a unix socket as the daemon does.
TEST_F(ColdFlow, CliPreflightMigrateAndFollowTheEvents) {
  migration::Preflight pf(world_->store(), {});
  router_->set_preflight(&pf);
  const tls::Identity identity = tls::load_or_create_identity(scratch_.path(), "cold-flow");
  daemon::HttpServer server(*router_, world_->store(), identity);
  const std::string socket = scratch_.file("unix.socket");
  server.listen_unix(socket);
  server.start(2);
  const std::string cli = "MIGRATION_MANAGER_SOCKET='" + socket + "' MIGRATION_MANAGER_CONF='" +
                          scratch_.file("conf") + "' " + MM_BINARY_DIR + "/bin/migration-manager ";

  CommandResult r = run_command(cli + "preflight Debian12 --target incus01");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("Instance"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Change tracking"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("| Debian12 "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("| Warn "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("default: no measurements file given"), std::string::npos) << r.out;
  r = run_command(cli + "preflight Win2016 --network-map VMWARE=nosuchnet --format json");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(json::parse(r.out)["instances"][0]["verdict"], "Fail") << r.out;
  r = run_command(cli + "preflight");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("give instance names or --batch NAME"), std::string::npos) << r.err;

  r = run_command(cli + "migrate Debian12 --target incus01");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("only cold migrations"), std::string::npos) << r.err;
  r = run_command(cli + "migrate Debian12 --cold --target incus01 --network-map VMWARE=incusbr0");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            "Successfully queued cold migration of \"Debian12\" as batch \"cold-Debian12\".\n"
            "Follow it with: migration-manager queue events \"Debian12\" --follow\n");
  // --follow returns once the migration is Completed, having printed the document's events.
  r = run_command("timeout 120 env " + cli + "queue events Debian12 --follow");
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  size_t at = 0;
  for (const char* e :
       {"source.powered_off", "export.started", "export.progress", "inspect.completed",
        "write.started", "write.progress", "guest_fixes.started", "guest_fixes.skipped",
        "finalize.completed", "migration.completed"}) {
    const size_t found = r.out.find(std::string("  ") + e + "  ", at);
    ASSERT_NE(found, std::string::npos) << e << " missing or out of order in:\n" << r.out;
    at = found;
  }
  EXPECT_NE(r.out.find("guest fixes skipped: virt-v2v-in-place is not installed", 0),
            std::string::npos)
      << r.out;
  r = run_command(cli + "queue confirm Debian12");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "Successfully confirmed queue entry \"Debian12\".\n");
  EXPECT_EQ(world_->stage("Debian12"), "finished");
  server.stop();
}

}  // namespace
}  // namespace mm::test

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::AddGlobalTestEnvironment(new mm::test::LabEnvironment);
  return RUN_ALL_TESTS();
}
