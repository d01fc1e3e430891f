// The cold migration's steps (docs/cold-migration.md): Export (create the target, power the source
// off, copy every disk straight into its target volume), Inspect (mm-transfer inspect on the copied
// root disk), Write Volume (read every written volume back and compare its digest with the
// export's), Guest Fixes (virt-v2v-in-place when installed; otherwise said so), Finalize (target
// configured from the inspection, disks attached). The source is only read; it stays off until the
// user confirms, and the scheduler powers it back on when a step fails.
#include <filesystem>

#include "orchestrator/incus/client.h"
#include "orchestrator/incus/error.h"
#include "orchestrator/inventory/sync.h"
#include "orchestrator/migration/migration_steps.h"
#include "orchestrator/migration/scheduler.h"
#include "orchestrator/migration/step_support.h"
#include "orchestrator/migration/tool_run.h"
#include "orchestrator/migration/vddk_source.h"
#include "orchestrator/vmware/vmware_client.h"
#include "orchestrator/worker/mm_transfer_path.h"

namespace mm::migration {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using namespace steps_detail;

std::string project_of(const QueueData& d) {
  return d.project.empty() ? "default" : d.project;
}

// The last lines of a tool's stderr, for a failure message.
std::string tail(const std::string& text, size_t max = 400) {
  std::string t = text;
  while (!t.empty() && (t.back() == '\n' || t.back() == ' ')) t.pop_back();
  return t.size() > max ? "..." + t.substr(t.size() - max) : t;
}

// PATCH of an instance's config keys, waited on when Incus answers with an operation.
void patch_config(incus::IncusClient& ic, const std::string& project, const std::string& name,
                  const json& config) {
  const incus::Reply r = ic.call("PATCH", "/1.0/instances/" + name + incus::project_query(project),
                                 {{"config", config}});
  if (r.error_code != 0) {
    throw std::runtime_error("configuring target instance \"" + name + "\": " + r.error);
  }
  if (!r.operation.empty()) ic.wait_operation(r.operation);
}

}  // namespace

void MigrationSteps::inject_fault(StepKind kind, const std::string& reason) {
  std::lock_guard lock(faults_mu_);
  faults_[kind] = reason;
}

void MigrationSteps::clear_faults() {
  std::lock_guard lock(faults_mu_);
  faults_.clear();
}

void MigrationSteps::check_fault(StepKind kind) {
  std::string reason;
  {
    std::lock_guard lock(faults_mu_);
    auto it = faults_.find(kind);
    if (it == faults_.end()) return;
    reason = it->second;
    faults_.erase(it);  // once: a retry then succeeds
  }
  throw std::runtime_error("injected fault: " + reason);
}

void MigrationSteps::run_cold(const std::string& uuid, StepKind kind, Job& job) {
  StepReporter& rep = *reporter_.load();
  auto check = [&job] {
    if (job.cancel) throw Canceled{};
  };
  Parts p = load(store_, uuid);
  const std::string dir = (fs::path(options_.work_dir) / uuid).string();
  const std::string mm_transfer = options_.mm_transfer_path.empty()
                                      ? worker::mm_transfer_beside_executable()
                                      : options_.mm_transfer_path;

  if (kind == StepKind::kExport) {
    if (!p.d.created) {
      create_target(store_, rep, p, uuid, check);
      rep.update(uuid, [](QueueData& d, std::string&) { d.created = true; });
      p = load(store_, uuid);
    }
    vmware::VmwareClient vc(inventory::source_endpoint(store_, p.source));
    vc.connect();
    if (p.d.cycle != "export") {
      // Recorded before the call: a crash in between must still find the source to power back on.
      std::string off_message = "Source powered off";
      if (!p.d.source_powered_off) {
        const bool running = vc.power_state(p.vm_moref) == "poweredOn";
        if (!running) off_message = "Source was already powered off";
        rep.update(uuid, [&](QueueData& d, std::string& m) {
          d.source_was_running = running;
          d.source_powered_off = running;
          m = running ? "Powering off source" : "Source is powered off";
        });
        if (running) vc.power_off(p.vm_moref);
      } else if (vc.power_state(p.vm_moref) == "poweredOn") {
        vc.power_off(p.vm_moref);
      }
      rep.update_with_event(
          uuid,
          [](QueueData& d, std::string& m) {
            d.cycle = "export";
            for (DiskState& disk : d.disks) disk.cycle_done = false;
            m = "Exporting disks";
          },
          "source.powered_off", off_message);
      rep.event(uuid, "export.started",
                "Export of " + std::to_string(p.d.disks.size()) +
                    " disk(s) started; the source is only read");
      p = load(store_, uuid);
    } else if (vc.power_state(p.vm_moref) == "poweredOn") {
      vc.power_off(p.vm_moref);  // the daemon died between recording and powering off
    }
    for (size_t i = 0; i < p.d.disks.size(); ++i) {
      const DiskState disk = p.d.disks[i];
      if (disk.cycle_done) continue;
      check();
      if (disk.target_path.empty()) throw std::runtime_error("disk has no target volume");
      DiskCopyJob cj;
      cj.id = uuid + "/" + std::to_string(i) + "/export";
      // The VM is off: no snapshot, VDDK (when it is the source's read path) reads the base disk.
      if (!set_vddk_source(store_, p.source,
                           {options_.artifacts_dir, dir, p.vm_moref, "", disk.backing}, cj)) {
        set_disk_source(options_, p.source, p.view.value("location", std::string()), disk.backing,
                        vc, cj);
      }
      cj.target = disk.target_path;
      cj.checkpoint = (fs::path(dir) / ("disk" + std::to_string(i) + "-export.ckpt")).string();
      // A volume never written before is all zeros: holes need not be written. After an earlier
      // export (a retry), it holds data, so every byte is written.
      cj.target_is_zero = disk.digest.empty();
      const size_t n = p.d.disks.size();
      DecileProgressEvents progress_events(rep, uuid, "export.progress", disk.backing);
      auto on_progress = [&](const DiskCopyProgress& pr) {
        const std::string msg = disk_progress_message("Exporting", i + 1, n, disk.backing,
                                                      pr.bytes_done, pr.bytes_total);
        rep.update(uuid, [&](QueueData& d, std::string& m) {
          DiskState& ds = d.disks[i];
          ds.bytes_done = pr.bytes_done;
          ds.bytes_total = pr.bytes_total;
          ds.rate = pr.bytes_per_second;
          ds.eta_seconds = pr.eta_seconds;
          ds.phase = "export";
          m = msg;
        });
        progress_events.report(pr, msg);
      };
      on_progress({0, disk.capacity, 0, -1});
      const DiskCopyResult r = copier_.run(cj, on_progress, job.cancel);
      if (r.canceled || job.cancel) throw Canceled{};
      if (!r.ok) throw std::runtime_error("disk \"" + disk.backing + "\": " + r.error);
      if (r.digest.empty()) throw std::runtime_error("disk \"" + disk.backing + "\": no digest");
      fs::remove(cj.checkpoint);
      rep.update(uuid, [&](QueueData& d, std::string&) {
        DiskState& ds = d.disks[i];
        ds.cycle_done = true;
        ds.bytes_done = ds.bytes_total;
        ds.phase = "exported";
        ds.digest = r.digest;
      });
    }
    check_fault(kind);
    rep.update(uuid, [](QueueData& d, std::string&) {
      d.cycle.clear();
      for (DiskState& ds : d.disks) ds.cycle_done = false;
    });
    return;
  }

  if (p.d.disks.empty() || p.d.disks[0].target_path.empty()) {
    throw std::runtime_error("the target volumes are not recorded: export did not run");
  }
  const std::string root = p.d.disks[0].target_path;
  const std::string project = project_of(p.d);
  const std::string name = p.q.instance_name;

  if (kind == StepKind::kInspect) {
    const ToolResult r = run_tool({mm_transfer, "inspect", root, "--json"}, job.cancel);
    if (r.canceled) throw Canceled{};
    if (r.exit_code != 0) {
      throw std::runtime_error("mm-transfer inspect (exit " + std::to_string(r.exit_code) +
                               "): " + tail(r.err.empty() ? r.out : r.err));
    }
    const json j = json::parse(r.out, nullptr, false);
    if (!j.is_object()) throw std::runtime_error("mm-transfer inspect printed no JSON object");
    const std::string firmware = j.value("firmware", std::string("unknown"));
    const json os = j.value("os", json::object());
    const std::string family = os.is_object() ? os.value("family", std::string()) : "";
    std::string guest = os.is_object() ? os.value("pretty_name", std::string()) : "";
    if (guest.empty() && os.is_object()) {
      guest = os.value("name", std::string());
      const std::string v = os.value("version", std::string());
      if (!guest.empty() && !v.empty()) guest += " " + v;
    }
    if (family.empty() || family == "unknown") guest.clear();
    // The target boots the way the disk needs: an EFI system partition means UEFI, its absence on
    // a partitioned disk BIOS. "unknown" keeps what the source's settings gave at creation.
    incus::IncusClient ic(target_endpoint(store_, p.d.target));
    std::string fw_note = "firmware unknown: kept the source's setting";
    if (firmware == "bios") {
      patch_config(ic, project, name, {{"security.csm", "true"}, {"security.secureboot", "false"}});
      fw_note = "target set to BIOS (security.csm=true)";
    } else if (firmware == "uefi") {
      patch_config(ic, project, name, {{"security.csm", "false"}});
      fw_note = "target set to UEFI";
    }
    const std::string table = j.value("partition_table", std::string("none"));
    rep.update_with_event(
        uuid,
        [&](QueueData& d, std::string&) {
          d.inspection = j.dump();
          d.guest_os = guest;
          d.firmware = firmware;
        },
        "inspect.completed",
        "Partition table " + table + ", firmware " + firmware + " (" + fw_note + "), guest OS " +
            (guest.empty() ? "not recognised" : guest));
    check_fault(kind);
    return;
  }

  if (kind == StepKind::kWriteVolume) {
    rep.event(uuid, "write.started",
              "Verifying " + std::to_string(p.d.disks.size()) +
                  " written volume(s): each is read back and its digest compared with the "
                  "export's");
    for (size_t i = 0; i < p.d.disks.size(); ++i) {
      check();
      const DiskState disk = p.d.disks[i];
      if (disk.digest.empty()) {
        throw std::runtime_error("disk \"" + disk.backing + "\": the export recorded no digest");
      }
      DiskCopyJob cj;
      cj.id = uuid + "/" + std::to_string(i) + "/write";
      cj.source = disk.target_path;
      cj.target = "null:";
      DecileProgressEvents progress_events(rep, uuid, "write.progress", disk.backing);
      const size_t n = p.d.disks.size();
      auto on_progress = [&](const DiskCopyProgress& pr) {
        const std::string msg = disk_progress_message("Verifying", i + 1, n, disk.backing,
                                                      pr.bytes_done, pr.bytes_total);
        rep.update(uuid, [&](QueueData& d, std::string& m) {
          d.disks[i].phase = "write";
          m = msg;
        });
        progress_events.report(pr, msg);
      };
      on_progress({0, disk.capacity, 0, -1});
      const DiskCopyResult r = copier_.run(cj, on_progress, job.cancel);
      if (r.canceled || job.cancel) throw Canceled{};
      if (!r.ok) throw std::runtime_error("reading back \"" + disk.target_path + "\": " + r.error);
      if (r.digest != disk.digest) {
        throw std::runtime_error("volume of disk \"" + disk.backing + "\" reads back as digest " +
                                 r.digest + ", the export wrote " + disk.digest);
      }
      rep.update(uuid, [&](QueueData& d, std::string&) { d.disks[i].phase = "done"; });
    }
    check_fault(kind);
    return;
  }

  if (kind == StepKind::kGuestFixes) {
    rep.event(uuid, "guest_fixes.started", "Guest fixes started");
    const std::string tool = find_in_path(options_.guest_fixes_tool);
    std::string outcome;
    if (tool.empty()) {
      outcome = "skipped: " + options_.guest_fixes_tool + " is not installed";
    } else if (p.d.guest_os.empty()) {
      outcome = "skipped: no guest OS was recognised on the disk, nothing to fix";
    } else {
      // virt-v2v-in-place converts the guest on the disk it is given: virtio drivers, boot
      // loader, VMware tools removed.
      const ToolResult r = run_tool({tool, "-i", "disk", root}, job.cancel);
      if (r.canceled) throw Canceled{};
      if (r.exit_code != 0) {
        throw std::runtime_error(options_.guest_fixes_tool + " failed (exit " +
                                 std::to_string(r.exit_code) + "): " + tail(r.err));
      }
      outcome = "applied by " + options_.guest_fixes_tool;
    }
    const bool skipped = outcome.rfind("skipped", 0) == 0;
    rep.update_with_event(
        uuid, [&](QueueData& d, std::string&) { d.guest_fixes = outcome; },
        skipped ? "guest_fixes.skipped" : "guest_fixes.completed", "guest fixes " + outcome);
    check_fault(kind);
    return;
  }

  if (kind == StepKind::kFinalize) {
    incus::IncusClient ic(target_endpoint(store_, p.d.target));
    const incus::Instance inst = ic.instance(project, name);
    size_t attached = 0;
    for (size_t i = 0; i < p.d.disks.size(); ++i) {
      const std::string device = i == 0 ? "root" : "disk" + std::to_string(i);
      if (!inst.devices.count(device)) {
        throw std::runtime_error("disk \"" + p.d.disks[i].backing + "\" is not attached (device " +
                                 device + " missing on the target instance)");
      }
      ++attached;
    }
    json config = {{"user.migration-manager.firmware", p.d.firmware},
                   {"user.migration-manager.guest-fixes", p.d.guest_fixes}};
    if (!p.d.guest_os.empty()) config["user.migration-manager.guest-os"] = p.d.guest_os;
    patch_config(ic, project, name, config);
    check_fault(kind);
    rep.event(uuid, "finalize.completed",
              "Target instance \"" + name + "\" configured, " + std::to_string(attached) +
                  " disk(s) attached");
    return;
  }
}

}  // namespace mm::migration
