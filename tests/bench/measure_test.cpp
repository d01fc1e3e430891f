// mm-bench against real servers: measure a disk nbdkit serves (tiny, one run), the --lab disk, and
// the plan command end to end on a saved bundle with that measurements file.
#include <gtest/gtest.h>

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "bench/mm-bench/measurements.h"
#include "orchestrator/incus/client.h"
#include "orchestrator/vmware/vmware_client.h"
#include "tests/bench/fixtures.h"
#include "tests/support/servers.h"

namespace mm::bench {
namespace {

using mm::test::must_run;
using mm::test::run_command;
using mm::test::TempDir;

std::string mm_bench() {
  return std::string(MM_BINARY_DIR) + "/bin/mm-bench";
}

TEST(MeasureIntegration, NbdkitDiskToAFile) {
  TempDir dir;
  auto server = mm::test::NbdServer::nbdkit(dir, "src", "sparse-random 16M seed=3 percent=50");
  const std::string out = dir.file("m.json"), target = dir.file("copy.img");
  must_run(mm_bench() + " measure --source '" + server.uri() + "' --target " + target +
           " --connections 1,2 --runs 1 --out " + out + " 2>&1");
  const Measurements m = load_measurements(out);
  EXPECT_GT(m.throughput_bytes_per_second, 0);
  ASSERT_EQ(m.disks.size(), 1u);
  EXPECT_EQ(m.disks[0].size, 16u << 20);
  ASSERT_EQ(m.disks[0].results.size(), 2u);
  EXPECT_EQ(m.disks[0].results[0].connections, 1u);
  EXPECT_EQ(m.disks[0].results[1].connections, 2u);
  EXPECT_EQ(m.disks[0].results[0].runs.size(), 1u);  // the warm-up is not counted
  EXPECT_FALSE(std::filesystem::exists(target));     // the file it created is gone
}

TEST(MeasureIntegration, RefusesToOverwriteAnExistingTarget) {
  TempDir dir;
  auto server = mm::test::NbdServer::nbdkit(dir, "src", "memory 1M");
  std::ofstream(dir.file("keep.img")) << "precious";
  const auto r = run_command(mm_bench() + " measure --source '" + server.uri() + "' --target " +
                             dir.file("keep.img") + " --runs 1");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--overwrite"), std::string::npos) << r.err;
}

TEST(MeasureIntegration, LabDiskAndPlanFromABundle) {
  TempDir dir;
  const std::string out = dir.file("lab.json");
  must_run(mm_bench() + " measure --lab --lab-size 8M --runs 1 --out " + out + " 2>&1");
  EXPECT_GT(load_measurements(out).throughput_bytes_per_second, 0);

  const auto bd = test::bundle(test::batch_json(), {test::instance_json("a", "vm1", 64)});
  std::ofstream(dir.file("bundle.json")) << bd.dump();
  const std::string plan = must_run(mm_bench() + " plan batch01 --input " +
                                    dir.file("bundle.json") + " --measurements " + out + " --now " +
                                    test::kNow + " --svg " + dir.file("plan.svg"));
  EXPECT_NE(plan.find("vm1"), std::string::npos) << plan;
  EXPECT_NE(plan.find("measured: "), std::string::npos) << plan;
  EXPECT_NE(plan.find("fits"), std::string::npos) << plan;
  EXPECT_TRUE(std::filesystem::exists(dir.file("plan.svg")));
  const auto j = nlohmann::json::parse(must_run(mm_bench() + " plan batch01 --json --input " +
                                                dir.file("bundle.json") +
                                                " --throughput 100M --now " + test::kNow));
  EXPECT_EQ(j["instances"][0]["verdict"], "fits");
}

// mm-lab (the demo's lab: the VMware simulator, an Incus target, guest churn) for one test; stopped
// with SIGTERM so that it tears its servers down.
class MmLab {
 public:
  explicit MmLab(const TempDir& dir)
      : info_(dir.file("lab.json")),
        process_("MM_TEST_TMPDIR=" + dir.path() + " exec " + std::string(MM_BINARY_DIR) +
                     "/bin/mm-lab --info " + info_ + " --vms 1 --churn 1",
                 dir.file("mm-lab.log")) {
    for (int i = 0; i < 1200 && !std::filesystem::exists(info_); ++i) {
      if (!process_.running()) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (!std::filesystem::exists(info_)) throw std::runtime_error("mm-lab did not start");
    std::ifstream in(info_);
    info = nlohmann::json::parse(in);
  }
  ~MmLab() {
    ::kill(process_.pid(), SIGTERM);
    for (int i = 0; i < 600 && process_.running(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    process_.kill_hard();
  }
  const std::string& info_file() const { return info_; }
  nlohmann::json info;

 private:
  std::string info_;
  mm::test::BackgroundProcess process_;
};

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// The control plane against mm-lab, as the demo measures it: every overhead measured and marked
// so, the VM powered on again, no probe instance left on the target, and plan saying MEASURED.
TEST(MeasureIntegration, OverheadsOnTheLab) {
  if (::geteuid() != 0) GTEST_SKIP() << "mm-lab needs root (a private incusd)";
  TempDir dir;
  MmLab lab(dir);
  const nlohmann::json& vms = lab.info["vms"];
  const std::string image = vms[0]["disk_images"][0], vm = vms[0]["name"];
  const std::string out = dir.file("m.json");
  const auto r =
      run_command(mm_bench() + " measure --source " + image + " --target " + dir.file("copy.img") +
                  " --runs 1 --lab-info " + lab.info_file() + " --allow-power-cycle --out " + out);
  ASSERT_EQ(r.exit_code, 0) << r.err << slurp(dir.file("mm-lab.log"));
  const Measurements m = load_measurements(out);
  const Overheads& o = m.overheads;
  ASSERT_TRUE(o.create_seconds && o.cycle_seconds && o.disk_seconds && o.power_off_seconds &&
              o.post_migration_seconds)
      << slurp(out);
  for (const char* f : kOverheadFields) EXPECT_TRUE(o.is_measured(f)) << f;
  EXPECT_FALSE(o.measured_at.empty());
  EXPECT_GT(*o.cycle_seconds, 0);
  EXPECT_GT(*o.disk_seconds, 0);
  EXPECT_NE(r.err.find("cycle " + vm), std::string::npos) << r.err;

  const nlohmann::json& vc = lab.info["vmware"];
  vmware::VmwareClient client({vc["endpoint"], vc["username"], vc["password"], vc["fingerprint"]});
  client.connect();
  std::string moref;
  for (const auto& v : client.inventory().vms) {
    if (v.name == vm) moref = v.moref;
  }
  ASSERT_FALSE(moref.empty());
  EXPECT_EQ(client.power_state(moref), "poweredOn");

  const nlohmann::json& ic = lab.info["incus"];
  target::TargetEndpoint te;
  te.url = ic["endpoint"];
  te.tls_client_cert = ic["client_cert_pem"];
  te.tls_client_key = ic["client_key_pem"];
  te.trusted_fingerprint = ic["fingerprint"];
  incus::IncusClient target(te);
  for (const auto& inst : target.instances("default")) {
    EXPECT_FALSE(inst.name.starts_with("mm-bench-probe-")) << inst.name << " was left behind";
  }

  const auto bd = test::bundle(test::batch_json(), {test::instance_json("a", "vm1", 64)});
  std::ofstream(dir.file("bundle.json")) << bd.dump();
  const std::string plan =
      must_run(mm_bench() + " plan batch01 --input " + dir.file("bundle.json") +
               " --measurements " + out + " --now " + test::kNow);
  EXPECT_NE(plan.find("create, cycle, disk, power-off, post-migration MEASURED " + o.measured_at),
            std::string::npos)
      << plan;
  EXPECT_EQ(plan.find("ASSUMED"), std::string::npos) << plan;
}

// Without control-plane flags, measure still times one mm-transfer process; the rest stays
// assumed, and plan says so.
TEST(MeasureIntegration, OnlyTheDiskOverheadWithoutControlPlane) {
  TempDir dir;
  const std::string out = dir.file("m.json");
  must_run(mm_bench() + " measure --lab --lab-size 4M --runs 1 --out " + out + " 2>&1");
  const Overheads o = load_measurements(out).overheads;
  EXPECT_TRUE(o.disk_seconds);
  EXPECT_FALSE(o.cycle_seconds || o.create_seconds || o.power_off_seconds ||
               o.post_migration_seconds);
  EXPECT_EQ(o.measured, std::vector<std::string>{"disk_seconds"});
  const auto bd = test::bundle(test::batch_json(), {test::instance_json("a", "vm1", 64)});
  std::ofstream(dir.file("bundle.json")) << bd.dump();
  const std::string plan =
      must_run(mm_bench() + " plan batch01 --input " + dir.file("bundle.json") +
               " --measurements " + out + " --now " + test::kNow);
  EXPECT_NE(plan.find("disk MEASURED"), std::string::npos) << plan;
  EXPECT_NE(plan.find("create, cycle, power-off, post-migration ASSUMED"), std::string::npos)
      << plan;
}

}  // namespace
}  // namespace mm::bench
