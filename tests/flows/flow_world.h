#pragma once
// The world a batch flow runs in: the VMware simulator holding VMs whose disks have real data
// (writes journaled for changed-block tracking), the Incus lab target (real incusd for pools and
// volumes, the stand-in for VMs), a state store with both registered and the inventory synced,
// and the scheduler with the real steps (mm-transfer workers) on a manual clock.
#include <memory>
#include <string>

#include "orchestrator/migration/migration_steps.h"
#include "orchestrator/migration/scheduler.h"
#include "orchestrator/migration/worker_copier.h"
#include "orchestrator/state/store.h"
#include "tests/support/incus_lab.h"
#include "tests/support/servers.h"
#include "tests/vmware/vmware_sim_fixture.h"

namespace mm::test {

// 2025-12-01 HH:MM UTC, the day of the documents' windows.
inline migration::TimePoint at(int hour, int minute) {
  return migration::TimePoint(std::chrono::seconds(1764547200)) + std::chrono::hours(hour) +
         std::chrono::minutes(minute);
}

// A batch of the documents' shape: `include`, placed on incus01's default project and pool, one
// window 01:00–01:10, background syncs every hour, the final one 10 minutes before the window.
nlohmann::json window_batch(const std::string& name, const std::string& include);

class FlowWorld {
 public:
  // model_json: a simulator model whose datastore is "datastore-01" at @DS@.
  // in_process: run the scheduler here; otherwise a test runs bin/flow-daemon on state_dir().
  // mounted: the steps read the datastore as a local directory; otherwise over HTTPS.
  FlowWorld(IncusLab& lab, const std::string& model_json, migration::TimePoint start,
            bool in_process = true, bool mounted = true);
  ~FlowWorld();

  state::Store& store() { return *store_; }
  // Another VMware source (its own simulator), registered and synced; its disks are read over
  // the datastore service. Returns the simulator.
  VmwareSim& add_source(const std::string& name, const std::string& kind,
                        const std::string& model_json);
  // Registers the lab once more under another name (a second target).
  void add_target(const std::string& name);
  std::string state_dir() const { return dir_.file("state"); }
  // Where the in-process steps look for artifact files (orchestrator/artifacts/artifact_files.h).
  std::string artifacts_dir() const { return dir_.file("state") + "/artifacts"; }
  std::string clock_file() const { return dir_.file("clock"); }
  // Sets the clock of the in-process scheduler and of the file a flow-daemon reads.
  void set_time(migration::TimePoint t);
  migration::ManualClock& clock() { return clock_; }
  migration::Scheduler& scheduler() { return *scheduler_; }
  migration::MigrationSteps& steps() { return *steps_; }
  VmwareSim& sim() { return *sim_; }
  IncusLab& lab() { return lab_; }

  // The flat image of a VM's first disk in the simulator's datastore.
  std::string flat_image(const std::string& vm) const;
  std::string flat_image(const VmwareSim& sim, const std::string& vm) const;
  // Writes `length` bytes of a pattern seeded by `seed` at `offset` and journals the write, as a
  // guest writing to a disk with change tracking on.
  void guest_write(const std::string& vm, uint64_t offset, uint64_t length, uint32_t seed);
  void guest_write(const VmwareSim& sim, const std::string& vm, uint64_t offset, uint64_t length,
                   uint32_t seed);
  // Adds a batch (BatchConfig JSON as the API takes it) and starts it.
  void add_batch(const nlohmann::json& batch, bool start = true);
  void start_batch(const std::string& name);
  // Waits (real time, up to `seconds`) until `pred` holds, ticking the scheduler's thread.
  bool wait_for(const std::function<bool()>& pred, int seconds = 60, int poll_ms = 50);
  std::string stage(const std::string& instance_name);
  std::string status(const std::string& instance_name);
  std::vector<std::string> event_types(const std::string& instance_name);
  std::string uuid_of(const std::string& instance_name);
  std::string history(const std::string& instance_name);  // events with times and messages
  // mm-transfer checksum of a path.
  static std::string digest(const std::string& path);
  std::string target_root_path(const std::string& instance_name);
  std::string source_power_state(const std::string& vm_name);

 private:
  IncusLab& lab_;
  TempDir dir_;
  std::unique_ptr<VmwareSim> sim_;
  std::vector<std::unique_ptr<VmwareSim>> more_sims_;
  std::unique_ptr<state::Store> store_;
  migration::ManualClock clock_;
  std::unique_ptr<migration::WorkerCopier> copier_;
  std::unique_ptr<migration::MigrationSteps> steps_;
  std::unique_ptr<migration::Scheduler> scheduler_;
};

}  // namespace mm::test
