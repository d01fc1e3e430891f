#include "orchestrator/migration/migration_steps.h"

#include <filesystem>
#include <optional>

#include "cbt/extents_file.h"
#include "cbt/vmware_changed_areas.h"
#include "common/percent_encoding.h"
#include "orchestrator/incus/client.h"
#include "orchestrator/incus/error.h"
#include "orchestrator/incus/requests.h"
#include "orchestrator/incus/volume_location.h"
#include "orchestrator/inventory/instance_view.h"
#include "orchestrator/inventory/sync.h"
#include "orchestrator/migration/scheduler.h"
#include "orchestrator/migration/step_support.h"
#include "orchestrator/migration/vddk_source.h"
#include "orchestrator/vmware/vmware_client.h"

namespace mm::migration {
using namespace steps_detail;
namespace fs = std::filesystem;
using nlohmann::json;

MigrationSteps::MigrationSteps(state::Store& store, DiskCopier& copier, StepsOptions options)
    : store_(store), copier_(copier), options_(std::move(options)) {}

MigrationSteps::~MigrationSteps() {
  stop_all();
}

void MigrationSteps::set_reporter(StepReporter* reporter) {
  reporter_ = reporter;
}

void MigrationSteps::start(const std::string& uuid, StepKind kind) {
  std::lock_guard lock(mu_);
  auto it = jobs_.find(uuid);
  if (it != jobs_.end()) {
    if (it->second->thread.get_id() == std::this_thread::get_id()) {
      // A step ending by starting the next (final import -> post-migration): its thread only
      // returns after this; it keeps its Job alive through its own reference.
      it->second->thread.detach();
    } else if (!it->second->done) {
      return;  // one step per instance
    } else if (it->second->thread.joinable()) {
      it->second->thread.join();  // done: the thread touches no lock any more
    }
    jobs_.erase(it);
  }
  auto job = std::make_shared<Job>();
  jobs_[uuid] = job;
  job->thread = std::thread([this, uuid, kind, job] { run(uuid, kind, *job); });
}

bool MigrationSteps::running(const std::string& uuid) {
  std::lock_guard lock(mu_);
  auto it = jobs_.find(uuid);
  return it != jobs_.end() && !it->second->done;
}

void MigrationSteps::stop(const std::string& uuid) {
  std::shared_ptr<Job> job;
  {
    std::lock_guard lock(mu_);
    auto it = jobs_.find(uuid);
    if (it == jobs_.end()) return;
    job = std::move(it->second);
    jobs_.erase(it);
  }
  job->cancel = true;
  if (job->thread.joinable() && job->thread.get_id() != std::this_thread::get_id()) {
    job->thread.join();
  }
}

void MigrationSteps::stop_all() {
  std::map<std::string, std::shared_ptr<Job>> jobs;
  {
    std::lock_guard lock(mu_);
    jobs.swap(jobs_);
  }
  for (auto& [uuid, job] : jobs) job->cancel = true;
  for (auto& [uuid, job] : jobs) {
    if (job->thread.joinable()) job->thread.join();
  }
}

void MigrationSteps::restore_source(const std::string& uuid) {
  StepReporter* rep = reporter_;
  try {
    Parts p = load(store_, uuid);
    if (!p.d.source_powered_off) return;
    vmware::VmwareClient vc(inventory::source_endpoint(store_, p.source));
    vc.connect();
    if (!p.d.snapshot.empty()) {
      // A final cycle left its snapshot; the next cycle starts a new one.
      try {
        vc.remove_snapshot(p.d.snapshot);
      } catch (const std::exception&) {
      }
    }
    if (p.d.source_was_running && vc.power_state(p.vm_moref) != "poweredOn") {
      vc.power_on(p.vm_moref);
    }
    if (rep) {
      rep->update(uuid, [](QueueData& d, std::string&) {
        d.source_powered_off = false;
        d.snapshot.clear();
        d.cycle.clear();
      });
      rep->event(uuid, "source.powered_on", "Source powered back on");
    }
  } catch (const std::exception& e) {
    if (rep) rep->event(uuid, "source.restore_failed", e.what());
  }
}

void MigrationSteps::run(const std::string& uuid, StepKind kind, Job& job) {
  StepReporter* rep = reporter_;
  StepOutcome outcome;
  auto check = [&job] {
    if (job.cancel) throw Canceled{};
  };
  try {
    Parts p = load(store_, uuid);
    const std::string dir = (fs::path(options_.work_dir) / uuid).string();
    fs::create_directories(dir);

    if (kind >= StepKind::kExport) {
      run_cold(uuid, kind, job);
    } else if (kind == StepKind::kCreate) {
      create_target(store_, *rep, p, uuid, check);
    } else if (kind == StepKind::kPostMigration) {
      if (p.d.source_was_running) {
        incus::IncusClient ic(target_endpoint(store_, p.d.target));
        const std::string project = p.d.project.empty() ? "default" : p.d.project;
        const incus::Instance inst = ic.instance(project, p.q.instance_name);
        if (inst.status != "Running") ic.start_instance(project, p.q.instance_name);
      }
    } else {
      // A copy cycle: background import, top-up or final import.
      const std::string cycle(step_name(kind));
      const bool cbt = p.view.value("background_import", false);
      vmware::VmwareClient vc(inventory::source_endpoint(store_, p.source));
      vc.connect();
      if (kind == StepKind::kFinalImport && p.d.cycle != cycle) {
        if (!p.d.source_powered_off) {
          const bool running = vc.power_state(p.vm_moref) == "poweredOn";
          // Recorded (with its event) before the call: a crash in between must still find the
          // source to power off now and to power back on if the cutover fails.
          auto record = [&](QueueData& d, std::string& m) {
            d.source_was_running = running;
            d.source_powered_off = running;
            m = running ? "Powering off source" : "Source is powered off";
          };
          if (running) {
            rep->update_with_event(uuid, record, "source.powered_off", "Source powered off");
            vc.power_off(p.vm_moref);
          } else {
            rep->update(uuid, record);
          }
        } else if (vc.power_state(p.vm_moref) == "poweredOn") {
          vc.power_off(p.vm_moref);  // the daemon died between recording and powering off
        }
        p = load(store_, uuid);
      }
      if (p.d.cycle != cycle) {
        if (!p.d.snapshot.empty()) {
          try {
            vc.remove_snapshot(p.d.snapshot);
          } catch (const std::exception&) {
          }
        }
        for (size_t i = 0; i < p.d.disks.size(); ++i) {
          fs::remove(fs::path(dir) / ("disk" + std::to_string(i) + "-" + cycle + ".ckpt"));
        }
        rep->update(uuid, [&](QueueData& d, std::string&) {
          d.snapshot.clear();
          d.cycle = cycle;
          for (DiskState& disk : d.disks) {
            disk.cycle_done = false;
            disk.pending_change_id.clear();
          }
        });
        p = load(store_, uuid);
      }
      std::map<std::string, source::DiskInfo> snap_disks;
      if (cbt) {
        if (p.d.snapshot.empty()) {
          check();
          const std::string snap = vc.create_snapshot(p.vm_moref, "migration-manager " + cycle);
          rep->update(uuid, [&](QueueData& d, std::string&) { d.snapshot = snap; });
          p.d.snapshot = snap;
        }
        for (source::DiskInfo& di : vc.snapshot_disks(p.d.snapshot)) {
          snap_disks[di.backing_file] = di;
        }
      }
      const char* verb = kind == StepKind::kTopUp ? "Topping up" : "Importing";
      const std::string event_prefix = kind == StepKind::kBackgroundImport ? "background_import"
                                       : kind == StepKind::kTopUp          ? "top_up"
                                                                           : "final_import";
      for (size_t i = 0; i < p.d.disks.size(); ++i) {
        const DiskState disk = p.d.disks[i];
        if (disk.cycle_done) continue;
        check();
        if (disk.target_path.empty()) throw std::runtime_error("disk has no target volume");
        DiskCopyJob cj;
        cj.id = uuid + "/" + std::to_string(i) + "/" + cycle;
        if (!set_vddk_source(store_, p.source,
                             {options_.artifacts_dir, dir, p.vm_moref, p.d.snapshot, disk.backing},
                             cj)) {
          set_disk_source(options_, p.source, p.view.value("location", std::string()), disk.backing,
                          vc, cj);
        }
        cj.target = disk.target_path;
        cj.checkpoint = (fs::path(dir) / ("disk" + std::to_string(i) + "-" + cycle + ".ckpt"));
        std::string pending;
        const bool full = kind == StepKind::kBackgroundImport || !cbt || disk.change_id.empty();
        if (cbt) {
          auto it = snap_disks.find(disk.backing);
          if (it == snap_disks.end()) {
            throw std::runtime_error("disk \"" + disk.backing + "\" is not in the snapshot");
          }
          pending = it->second.change_id;
          if (!full) {
            vmware::VmwareChangedAreas query(vc.session(), p.vm_moref);
            const cbt::ExtentSet areas =
                cbt::changed_areas(query, p.d.snapshot, it->second.device_key,
                                   static_cast<uint64_t>(disk.capacity), disk.change_id);
            cj.extents_file =
                (fs::path(dir) / ("disk" + std::to_string(i) + "-" + cycle + ".extents.json"));
            cbt::write_extents_file(cj.extents_file, areas);
            cj.sync = true;
          }
        }
        cj.target_is_zero = kind == StepKind::kBackgroundImport;
        const std::string backing = disk.backing;
        const size_t n = p.d.disks.size();
        DecileProgressEvents progress_events(*rep, uuid, event_prefix + ".progress", backing);
        auto on_progress = [&](const DiskCopyProgress& pr) {
          const std::string msg =
              disk_progress_message(verb, i + 1, n, backing, pr.bytes_done, pr.bytes_total);
          rep->update(uuid, [&](QueueData& d, std::string& m) {
            DiskState& ds = d.disks[i];
            ds.bytes_done = pr.bytes_done;
            ds.bytes_total = pr.bytes_total;
            ds.rate = pr.bytes_per_second;
            ds.eta_seconds = pr.eta_seconds;
            ds.phase = event_prefix;
            m = msg;
          });
          progress_events.report(pr, msg);
        };
        on_progress({0, disk.capacity, 0, -1});
        const DiskCopyResult r = copier_.run(cj, on_progress, job.cancel);
        if (r.canceled || job.cancel) throw Canceled{};
        if (!r.ok) throw std::runtime_error("disk \"" + backing + "\": " + r.error);
        fs::remove(cj.checkpoint);
        rep->update(uuid, [&](QueueData& d, std::string&) {
          DiskState& ds = d.disks[i];
          ds.cycle_done = true;
          ds.pending_change_id = pending;
          ds.bytes_done = ds.bytes_total;
          ds.phase = "idle";
          if (!r.digest.empty()) ds.digest = r.digest;
        });
      }
      check();
      if (!p.d.snapshot.empty()) vc.remove_snapshot(p.d.snapshot);
      rep->update(uuid, [&](QueueData& d, std::string&) {
        for (DiskState& ds : d.disks) {
          if (!ds.pending_change_id.empty()) ds.change_id = ds.pending_change_id;
          ds.pending_change_id.clear();
          ds.cycle_done = false;
        }
        d.snapshot.clear();
        d.cycle.clear();
        if (kind == StepKind::kFinalImport) d.source_powered_off = false;
      });
    }
  } catch (const Canceled&) {
    job.done = true;
    return;
  } catch (const std::exception& e) {
    outcome.ok = false;
    outcome.reason = e.what();
  }
  // Running until the scheduler has the outcome: a tick in between must not start the step again.
  if (!job.cancel && rep) rep->finished(uuid, kind, outcome);
  job.done = true;
}

}  // namespace mm::migration
