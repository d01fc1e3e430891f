#pragma once
// `mm-bench measure`'s control-plane figures: the fixed seconds a migration stage costs besides
// the bytes it copies, measured the way the daemon spends them (orchestrator/migration/
// migration_steps.cpp, step_support.cpp) with the daemon's own clients:
//   cycle_seconds           a copy cycle on the source: log in, create a snapshot, read its disks'
//                           changeIds, QueryChangedDiskAreas ("*", first disk), remove the snapshot
//   power_off_seconds       the cutover's power-off (power state, PowerOffVM_Task); only with
//                           allow_power_cycle: the VM is powered off and back on
//   create_seconds          the target's create step: an empty VM instance with a small root
//                           volume, and its root volume located
//   post_migration_seconds  the post-migration step: the instance read and started
//   disk_seconds            one mm-transfer process (the daemon's disk worker) copying a tiny
//                           file to a fresh one: process start, open, flush, report
// Each is a warm-up (unless disabled) and `runs` timings; the median goes into Overheads.
#include <functional>
#include <optional>
#include <string>

#include "bench/mm-bench/measurements.h"
#include "orchestrator/source/source_inventory.h"
#include "orchestrator/target/target_status.h"

namespace mm::bench {

struct OverheadOptions {
  std::optional<source::SourceEndpoint> vmware;
  std::string vm;  // the VM's name on the source
  bool allow_power_cycle = false;
  std::optional<target::TargetEndpoint> incus;
  std::string project = "default", pool = "default";
  std::string mm_transfer;  // disk_seconds; empty: not measured
  std::string scratch_dir;  // where the tiny copy is made (empty: /var/tmp)
  unsigned runs = 3;
  bool warm_up = true;
};

// Fills the measured fields of `out` (and out.measured, out.measured_at); `log` gets one line per
// timing. Throws std::runtime_error naming what failed, after restoring the VM's power state and
// deleting the probe instance.
void measure_overheads(const OverheadOptions& o, Overheads& out,
                       const std::function<void(const std::string&)>& log);

// mm-lab's info file (lab/mm_lab.cpp) as options: its VMware simulator and first VM, its Incus
// target (client certificate and key read from their files), project and first pool.
void overhead_options_from_lab(const std::string& info_file, OverheadOptions& o);

}  // namespace mm::bench
