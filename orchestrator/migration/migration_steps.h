#pragma once
// The real StepRunner: creates the target on Incus, takes VMware snapshots, asks CBT what changed,
// copies disks through mm-transfer workers, powers the source off and on, starts the target. One
// thread per running step. Everything a step has done is recorded in the queue entry's data before
// it moves on, so a step restarted after a crash continues (same snapshot, same checkpoints)
// instead of starting over.
#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "orchestrator/migration/disk_copier.h"
#include "orchestrator/migration/step_runner.h"
#include "orchestrator/state/store.h"

namespace mm::migration {

struct StepsOptions {
  std::string work_dir;  // checkpoints and extents files: WORK/<instance uuid>/
  // Datastores reachable as local directories (an NFS datastore mounted here, or the lab's):
  // "datastore1" -> "/mnt/ds1". A disk "[datastore1] vm/vm.vmdk" is read from
  // /mnt/ds1/vm/vm-flat.vmdk.
  // Datastores not listed are read over the vSphere datastore service (HTTPS range requests with
  // the step's session cookie, the source's pinned certificate): docs/datastore-source.md.
  std::map<std::string, std::string> datastore_dirs;
  // The daemon's artifact files: with an sdk artifact there, disks are read through VDDK
  // (vddk_source.h). "" never uses VDDK.
  std::string artifacts_dir;
  // Cold migration: mm-transfer for `inspect` ("" = beside this executable), and the guest fixes
  // tool, looked up in PATH (its absence is reported, never hidden).
  std::string mm_transfer_path;
  std::string guest_fixes_tool = "virt-v2v-in-place";
};

class MigrationSteps final : public StepRunner {
 public:
  MigrationSteps(state::Store& store, DiskCopier& copier, StepsOptions options);
  ~MigrationSteps() override;

  void start(const std::string& instance_uuid, StepKind kind) override;
  void stop(const std::string& instance_uuid) override;
  bool running(const std::string& instance_uuid) override;
  void restore_source(const std::string& instance_uuid) override;
  void set_reporter(StepReporter* reporter) override;
  void stop_all();

  // Tests only (tests/flows/cold_flow_test.cpp): the next run of the cold step `kind` fails with
  // "injected fault: REASON" once its work is done (the source is then off), so every stage's
  // failure path can be exercised on the real lab. Never set by the daemon.
  void inject_fault(StepKind kind, const std::string& reason);
  void clear_faults();

 private:
  struct Job {
    std::thread thread;
    std::atomic<bool> cancel{false};
    std::atomic<bool> done{false};
  };
  void run(const std::string& uuid, StepKind kind, Job& job);
  // Export, Inspect, Write Volume, Guest Fixes, Finalize (cold_steps.cpp). Throws on failure.
  void run_cold(const std::string& uuid, StepKind kind, Job& job);
  void check_fault(StepKind kind);

  state::Store& store_;
  DiskCopier& copier_;
  StepsOptions options_;
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<Job>> jobs_;  // shared with the job's own thread
  std::atomic<StepReporter*> reporter_{nullptr};
  std::mutex faults_mu_;
  std::map<StepKind, std::string> faults_;
};

}  // namespace mm::migration
