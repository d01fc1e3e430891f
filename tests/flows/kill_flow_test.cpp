// The daemon killed (SIGKILL) in every state of a migration and started again on the same state:
// the migration still finishes, every target disk equals its source, and no step's work is
// repeated (each cycle starts and completes once, the source is powered off once).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "tests/flows/flow_world.h"
#include "tests/flows/lab_environment.h"

namespace mm::test {
namespace {

using migration::TimePoint;
using nlohmann::json;

// Disks big enough that copying them takes a while, so a kill lands inside the copy.
const char* kModel = R"json({
  "datastores": [{"name": "datastore-01", "path": "@DS@"}],
  "networks": [{"name": "VMWARE"}],
  "vms": [
    {"name": "Win2016", "instance_uuid": "52cfcb6b-20ee-add3-adc9-68c63ca9adfd",
     "guest_id": "windows9Server64Guest", "guest_os": "Windows Server 2016, 64-bit (Build 14393.693)",
     "cpus": 2, "memory_mb": 4096, "power_state": "poweredOn", "change_tracking": true,
     "disks": [{"capacity": 536870912}],
     "nics": [{"network": "VMWARE", "ips": ["10.10.0.11"]}]},
    {"name": "Debian Bookworm", "instance_uuid": "52d89a93-ff8f-9dea-4d74-ec99beb1d2d4",
     "guest_id": "debian12_64Guest", "guest_os": "Debian GNU/Linux 12 (bookworm)",
     "cpus": 3, "memory_mb": 6144, "power_state": "poweredOn", "change_tracking": false,
     "disks": [{"capacity": 536870912}],
     "nics": [{"network": "VMWARE", "ips": ["10.10.0.13"]}]}
  ]})json";

class Daemon {
 public:
  Daemon(FlowWorld& w) : w_(w) { start(); }
  void start() {
    p_ = std::make_unique<BackgroundProcess>(
        std::string(MM_BINARY_DIR) + "/bin/flow-daemon '" + w_.state_dir() + "' '" +
            w_.clock_file() + "' 'datastore-01=" + w_.sim().datastore_dir() + "'",
        w_.state_dir() + "/../flow-daemon.log");
  }
  void kill_and_restart() {
    p_->kill_hard();
    start();
  }

 private:
  FlowWorld& w_;
  std::unique_ptr<BackgroundProcess> p_;
};

TEST(KillFlow, TheDaemonKilledInEveryStateContinuesWithoutLosingOrDuplicatingWork) {
  ASSERT_TRUE(LabEnvironment::lab);
  struct Clean {
    ~Clean() { LabEnvironment::clean(); }
  } clean;
  FlowWorld world(*LabEnvironment::lab, kModel, at(0, 30), /*in_process=*/false);
  world.guest_write("Win2016", 0, 192 << 20, 1);
  world.guest_write("Win2016", 400 << 20, 64 << 20, 2);
  world.guest_write("Debian Bookworm", 0, 256 << 20, 3);
  Daemon daemon(world);
  json b = {
      {"name", "batch01"},
      {"include_expression", "true"},
      {"migration_windows",
       {{{"name", "window1"}, {"start", "2025-12-01T01:00:00Z"}, {"end", "2025-12-01T01:30:00Z"}}}},
      {"defaults", {{"placement", {{"target", "incus01"}}}}},
      {"config", {{"instance_restriction_overrides", {{"allow_no_background_import", true}}}}}};
  world.add_batch(b);

  const std::vector<std::string> order = {"creating",       "waiting_import", "background_import",
                                          "idle",           "top_up",         "final_import",
                                          "post_migration", "finished"};
  // Not queued yet, blocked or waiting to be created: before every state of the list.
  auto rank = [&](const std::string& stage) -> long {
    const auto it = std::find(order.begin(), order.end(), stage);
    return it == order.end() ? -1 : it - order.begin();
  };
  std::vector<std::string> killed_in;
  // Kills the daemon as soon as either instance is in `stage` (or gives up once both are past it).
  auto kill_in = [&](const std::string& stage) {
    const bool seen = world.wait_for(
        [&] {
          for (const char* n : {"Win2016", "DebianBookworm"}) {
            if (world.stage(n) == stage) return true;
          }
          return rank(world.stage("Win2016")) > rank(stage) &&
                 rank(world.stage("DebianBookworm")) > rank(stage);
        },
        60, 2);
    ASSERT_TRUE(seen) << "waiting for " << stage << ": " << world.status("Win2016") << " / "
                      << world.status("DebianBookworm");
    bool in = false;
    for (const char* n : {"Win2016", "DebianBookworm"}) in = in || world.stage(n) == stage;
    daemon.kill_and_restart();
    if (in) killed_in.push_back(stage);
  };

  kill_in("creating");
  kill_in("background_import");
  ASSERT_TRUE(world.wait_for([&] { return world.stage("Win2016") == "idle"; }, 90))
      << world.status("Win2016") << "\n"
      << world.history("Win2016");
  kill_in("idle");
  world.guest_write("Win2016", 100 << 20, 32 << 20, 4);
  world.set_time(at(0, 50));  // the final top-up is due
  kill_in("top_up");
  ASSERT_TRUE(world.wait_for(
      [&] {
        const auto ev = world.event_types("Win2016");
        return std::count(ev.begin(), ev.end(), "top_up.completed") == 1;
      },
      60))
      << world.history("Win2016");
  world.guest_write("Win2016", 300 << 20, 16 << 20, 5);
  world.guest_write("Debian Bookworm", 128 << 20, 16 << 20, 6);
  world.set_time(at(1, 0));
  kill_in("final_import");
  kill_in("post_migration");
  for (const char* n : {"Win2016", "DebianBookworm"}) {
    ASSERT_TRUE(world.wait_for([&] { return world.stage(n) == "finished"; }, 120))
        << n << ": " << world.status(n) << "\n"
        << world.history(n);
  }

  // The long states are always hit; the short ones when the kill was quick enough.
  for (const char* s : {"background_import", "idle", "final_import"}) {
    EXPECT_NE(std::find(killed_in.begin(), killed_in.end(), s), killed_in.end()) << s;
  }
  std::string hit;
  for (const auto& s : killed_in) hit += s + " ";
  RecordProperty("killed_in", hit);
  std::printf("killed the daemon in: %s\n", hit.c_str());

  EXPECT_EQ(FlowWorld::digest(world.flat_image("Win2016")),
            FlowWorld::digest(world.target_root_path("Win2016")));
  EXPECT_EQ(FlowWorld::digest(world.flat_image("Debian Bookworm")),
            FlowWorld::digest(world.target_root_path("DebianBookworm")));
  for (const char* n : {"Win2016", "DebianBookworm"}) {
    const auto ev = world.event_types(n);
    for (const char* once : {"created", "target.created", "final_import.started",
                             "source.powered_off", "final_import.completed", "finished"}) {
      EXPECT_EQ(std::count(ev.begin(), ev.end(), once), 1) << n << " " << once << "\n"
                                                           << world.history(n);
    }
  }
  const auto win = world.event_types("Win2016");
  EXPECT_EQ(std::count(win.begin(), win.end(), "background_import.completed"), 1);
  EXPECT_EQ(std::count(win.begin(), win.end(), "top_up.completed"), 1);
  EXPECT_EQ(world.source_power_state("Win2016"), "poweredOff");
}

}  // namespace
}  // namespace mm::test
