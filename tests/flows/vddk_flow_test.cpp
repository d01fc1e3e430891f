// A warm migration whose disks are read through VDDK: the source says disk_access "vddk", so its
// VM stays Blocked, naming the missing SDK artifact, until the VDDK stand-in's tarball (laid out
// like VMware's) is uploaded as an sdk artifact; then background import, a top-up and the cutover
// read through mm-transfer's vddk:// source with the artifact's extracted library, and the target
// disk's digest equals the source's. The stand-in maps "[datastore-01] path" to the simulator's
// datastore directory (MM_VDDK_STANDIN_DATASTORES, inherited by the workers).
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>

#include <nlohmann/json.hpp>

#include "orchestrator/artifacts/artifact_files.h"
#include "tests/flows/flow_world.h"
#include "tests/flows/lab_environment.h"

namespace mm::test {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

constexpr int64_t kSize = 16 << 20;

const char* kVddkModel = R"json({
  "datastores": [{"name": "datastore-01", "path": "@DS@"}],
  "networks": [{"name": "VMWARE"}],
  "vms": [
    {"name": "CentOS9", "instance_uuid": "52a1c9e2-6f1d-4b7e-9c41-1d2e3f4a5b6c",
     "guest_id": "centos9_64Guest", "guest_os": "CentOS Stream 9", "firmware": "efi",
     "cpus": 2, "memory_mb": 2048, "power_state": "poweredOn", "change_tracking": true,
     "disks": [{"capacity": 16777216}],
     "nics": [{"network": "VMWARE", "ips": ["10.10.0.21"]}]}
  ]})json";

std::string standin_tarball() {
  return std::string(MM_BINARY_DIR) + "/tests/vddk-standin.tar.gz";
}

TEST(VddkFlow, BlockedWithoutTheSdkThenMigratedThroughVddk) {
  ASSERT_TRUE(LabEnvironment::lab);
  if (!fs::exists(standin_tarball())) GTEST_SKIP() << "no " << standin_tarball();
  FlowWorld world(*LabEnvironment::lab, kVddkModel, at(0, 30), true, /*mounted=*/false);
  ::setenv("MM_VDDK_STANDIN_DATASTORES", ("datastore-01=" + world.sim().datastore_dir()).c_str(),
           1);
  // The stand-in refuses other credentials: the source's reach the worker through the file.
  ::setenv("MM_VDDK_STANDIN_USER", VmwareSim::kUser, 1);
  ::setenv("MM_VDDK_STANDIN_PASSWORD", VmwareSim::kPassword, 1);
  world.guest_write("CentOS9", 0, 2 << 20, 21);
  world.guest_write("CentOS9", 9 << 20, 1 << 20, 22);
  world.guest_write("CentOS9", kSize - (64 << 10), 64 << 10, 23);

  state::SourceRecord src = *world.store().get_source("esxi01");
  src.disk_access = "vddk";
  world.store().update_source("esxi01", src);
  world.add_batch(window_batch("vddk01", "location matches 'CentOS9'"));
  ASSERT_TRUE(world.wait_for([&] {
    return world.status("CentOS9").find("Missing required SDK artifact") != std::string::npos;
  })) << world.history("CentOS9");
  EXPECT_EQ(world.stage("CentOS9"), "blocked");

  // The upload, as the API does it: a record, then the file spooled and accepted.
  state::ArtifactRecord a;
  a.uuid = "7e3c2a10-5b4d-4c6e-8f90-a1b2c3d4e5f6";
  a.type = "sdk";
  a.properties = R"({"source_type":"vmware"})";
  a.last_updated = artifacts::now_rfc3339();
  world.store().create_artifact(a);
  const artifacts::ArtifactFiles files(world.store(), world.artifacts_dir());
  const std::string spool = files.spool_path();
  fs::copy_file(standin_tarball(), spool);
  files.accept(a.uuid, spool);

  ASSERT_TRUE(world.wait_for([&] { return world.stage("CentOS9") == "idle"; }, 120))
      << world.status("CentOS9") << "\n"
      << world.history("CentOS9");
  world.guest_write("CentOS9", 4 << 20, 1 << 20, 24);
  world.clock().set(at(0, 50));
  ASSERT_TRUE(world.wait_for([&] {
    const auto ev = world.event_types("CentOS9");
    return std::count(ev.begin(), ev.end(), "top_up.completed") == 1;
  })) << world.history("CentOS9");
  world.guest_write("CentOS9", 12 << 20, 64 << 10, 25);
  world.clock().set(at(1, 0));
  ASSERT_TRUE(world.wait_for([&] { return world.stage("CentOS9") == "finished"; }, 120))
      << world.status("CentOS9") << "\n"
      << world.history("CentOS9");
  const std::string target = world.target_root_path("CentOS9");
  ASSERT_FALSE(target.empty());
  EXPECT_EQ(FlowWorld::digest(world.flat_image("CentOS9")), FlowWorld::digest(target));
  // disk_access "vddk" never falls back to the datastore service: the data came through VDDK.
  for (const char* v :
       {"MM_VDDK_STANDIN_DATASTORES", "MM_VDDK_STANDIN_USER", "MM_VDDK_STANDIN_PASSWORD"}) {
    ::unsetenv(v);
  }
  LabEnvironment::clean();
}

}  // namespace
}  // namespace mm::test
