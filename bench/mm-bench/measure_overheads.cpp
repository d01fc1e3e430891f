#include "bench/mm-bench/measure_overheads.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <vector>

#include <nlohmann/json.hpp>

#include "cbt/vmware_changed_areas.h"
#include "orchestrator/batch/window_time.h"
#include "orchestrator/incus/client.h"
#include "orchestrator/incus/error.h"
#include "orchestrator/incus/requests.h"
#include "orchestrator/incus/volume_location.h"
#include "orchestrator/vmware/vmware_client.h"
#include "orchestrator/worker/run_disk_job.h"

namespace mm::bench {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using Log = std::function<void(const std::string&)>;

double since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

std::string secs(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3fs", s);
  return buf;
}

// Warm-up (not counted) and o.runs timings of `once`, which returns the seconds it counts; the
// median.
double timed(const OverheadOptions& o, const std::string& what, const Log& log,
             const std::function<double()>& once) {
  std::vector<double> runs;
  const unsigned total = o.runs + (o.warm_up ? 1 : 0);
  for (unsigned run = 0; run < total; ++run) {
    const bool warm = o.warm_up && run == 0;
    const double s = once();
    log(what + "  " + (warm ? std::string("warm-up") : "run " + std::to_string(runs.size() + 1)) +
        "  " + secs(s));
    if (!warm) runs.push_back(s);
  }
  return median(runs);
}

void record(Overheads& out, const char* field, double seconds) {
  if (std::string_view(field) == "create_seconds") out.create_seconds = seconds;
  if (std::string_view(field) == "cycle_seconds") out.cycle_seconds = seconds;
  if (std::string_view(field) == "disk_seconds") out.disk_seconds = seconds;
  if (std::string_view(field) == "power_off_seconds") out.power_off_seconds = seconds;
  if (std::string_view(field) == "post_migration_seconds") out.post_migration_seconds = seconds;
  if (!out.is_measured(field)) out.measured.push_back(field);
}

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string random_suffix() {
  std::random_device rd;
  char buf[16];
  std::snprintf(buf, sizeof buf, "%08x", static_cast<unsigned>(rd()));
  return buf;
}

// The source side: copy cycles, then (when allowed) power-offs, the VM powered back on whatever
// happens.
void measure_source(const OverheadOptions& o, Overheads& out, const Log& log) {
  const source::SourceEndpoint& ep = *o.vmware;
  std::string moref;
  {
    vmware::VmwareClient vc(ep);
    vc.connect();
    for (const source::VmInfo& vm : vc.inventory().vms) {
      if (vm.name == o.vm) moref = vm.moref;
    }
  }
  if (moref.empty()) throw std::runtime_error("no VM named \"" + o.vm + "\" on " + ep.url);

  // As a copy cycle does (migration_steps.cpp): a session of its own, the snapshot, its disks'
  // changeIds, the changed areas of the first disk, the snapshot removed.
  const double cycle = timed(o, "cycle " + o.vm, log, [&] {
    const auto t0 = Clock::now();
    vmware::VmwareClient vc(ep);
    vc.connect();
    const std::string snap = vc.create_snapshot(moref, "mm-bench measure");
    try {
      const std::vector<source::DiskInfo> disks = vc.snapshot_disks(snap);
      if (!disks.empty()) {
        vmware::VmwareChangedAreas query(vc.session(), moref);
        cbt::changed_areas(query, snap, disks[0].device_key,
                           static_cast<uint64_t>(disks[0].capacity_bytes), "*");
      }
    } catch (...) {
      try {
        vc.remove_snapshot(snap);
      } catch (const std::exception&) {
      }
      throw;
    }
    vc.remove_snapshot(snap);
    vc.disconnect();
    return since(t0);
  });
  record(out, "cycle_seconds", cycle);

  if (!o.allow_power_cycle) return;
  vmware::VmwareClient vc(ep);
  vc.connect();
  if (vc.power_state(moref) != "poweredOn") {
    log("power-off " + o.vm + "  not measured: the VM is not powered on");
    return;
  }
  // Powered back on before this returns or throws.
  struct Restore {
    vmware::VmwareClient& vc;
    const source::SourceEndpoint& ep;
    const std::string& moref;
    const Log& log;
    ~Restore() {
      try {
        if (vc.power_state(moref) != "poweredOn") vc.power_on(moref);
      } catch (const std::exception&) {
        try {  // a fresh session, in case this one is what failed
          vmware::VmwareClient again(ep);
          again.connect();
          if (again.power_state(moref) != "poweredOn") again.power_on(moref);
        } catch (const std::exception& e2) {
          log(std::string("could not power the VM back on: ") + e2.what());
        }
      }
    }
  } restore{vc, ep, moref, log};
  // As the final import does: the power state read, then PowerOffVM_Task waited on.
  const double off = timed(o, "power-off " + o.vm, log, [&] {
    if (vc.power_state(moref) != "poweredOn") vc.power_on(moref);
    const auto t0 = Clock::now();
    if (vc.power_state(moref) == "poweredOn") vc.power_off(moref);
    const double s = since(t0);
    vc.power_on(moref);
    return s;
  });
  record(out, "power_off_seconds", off);
}

// The target side: a probe instance per timing, always stopped and deleted.
void measure_target(const OverheadOptions& o, Overheads& out, const Log& log) {
  incus::IncusClient ic(*o.incus);
  ic.check_trusted();
  std::vector<double> creates, starts;
  const unsigned total = o.runs + (o.warm_up ? 1 : 0);
  for (unsigned run = 0; run < total; ++run) {
    const bool warm = o.warm_up && run == 0;
    const std::string name = "mm-bench-probe-" + random_suffix();
    struct Cleanup {
      incus::IncusClient& ic;
      const std::string& project;
      const std::string& name;
      const Log& log;
      bool created = false;
      ~Cleanup() {
        if (!created) return;
        try {
          if (ic.instance(project, name).status == "Running") ic.stop_instance(project, name, true);
          ic.delete_instance(project, name);
        } catch (const incus::IncusError& e) {
          if (!e.not_found()) log("could not delete the probe instance " + name + ": " + e.what());
        } catch (const std::exception& e) {
          log("could not delete the probe instance " + name + ": " + e.what());
        }
      }
    } cleanup{ic, o.project, name, log};
    // As the create step does (step_support.cpp create_target): the instance with its root disk
    // on the pool, then the root volume located for mm-transfer.
    incus::InstanceSpec spec;
    spec.name = name;
    spec.description = "mm-bench measure: a probe, deleted at once";
    spec.disks.push_back({"root", o.pool, "/", "1GiB", "", {}});
    auto t0 = Clock::now();
    cleanup.created = true;  // a create that fails half-way may still leave it
    ic.create_instance(o.project, spec);
    incus::locate_instance_root_volume(ic, o.pool, o.project, name);
    const double create = since(t0);
    // As the post-migration step does: the instance read, then started.
    t0 = Clock::now();
    if (ic.instance(o.project, name).status != "Running") ic.start_instance(o.project, name);
    const double start = since(t0);
    log("create " + name + "  " + (warm ? std::string("warm-up") : "run") + "  " + secs(create));
    log("start " + name + "  " + (warm ? std::string("warm-up") : "run") + "  " + secs(start));
    if (!warm) {
      creates.push_back(create);
      starts.push_back(start);
    }
  }
  record(out, "create_seconds", median(creates));
  record(out, "post_migration_seconds", median(starts));
}

// One mm-transfer process through the daemon's disk worker, copying 1 MiB to a fresh file.
void measure_disk(const OverheadOptions& o, Overheads& out, const Log& log) {
  std::string tmpl =
      (fs::path(o.scratch_dir.empty() ? "/var/tmp" : o.scratch_dir) / "mm-bench-disk.XXXXXX")
          .string();
  if (!::mkdtemp(tmpl.data())) throw std::runtime_error("cannot create a directory like " + tmpl);
  const fs::path dir = tmpl;
  struct Remove {
    fs::path dir;
    ~Remove() {
      std::error_code ec;
      fs::remove_all(dir, ec);
    }
  } remove{dir};
  const std::string src = (dir / "source.img").string(), dst = (dir / "target.img").string();
  {
    std::vector<char> data(1 << 20);
    std::mt19937 rng(1);
    for (char& c : data) c = static_cast<char>(rng());
    std::ofstream f(src, std::ios::binary);
    f.write(data.data(), static_cast<std::streamsize>(data.size()));
    if (!f) throw std::runtime_error("cannot write " + src);
  }
  const double disk = timed(o, "mm-transfer copy 1 MiB", log, [&] {
    fs::remove(dst);
    worker::DiskJob job;
    job.source = src;
    job.target = dst;
    job.mm_transfer_path = o.mm_transfer;
    job.restart.max_restarts = 0;
    job.extra_args = {"--target-is-zero"};  // as the daemon's background import
    std::atomic<bool> cancel{false};
    const auto t0 = Clock::now();
    const worker::WorkerStatus s = worker::run_disk_job(job, {}, cancel);
    const double secs = since(t0);
    if (s.state != worker::WorkerState::kSucceeded) {
      throw std::runtime_error("mm-transfer copy " + src + " -> " + dst + ": " + s.error);
    }
    return secs;
  });
  record(out, "disk_seconds", disk);
}

}  // namespace

void measure_overheads(const OverheadOptions& o, Overheads& out, const Log& log) {
  if (o.runs == 0) throw std::invalid_argument("--runs must be at least 1");
  const std::string at = batch::format_rfc3339(std::chrono::system_clock::now());
  auto step = [&](const char* what, const std::function<void()>& f) {
    try {
      f();
    } catch (const std::exception& e) {
      throw std::runtime_error(std::string("measuring ") + what + ": " + e.what());
    }
  };
  if (!o.mm_transfer.empty()) step("one mm-transfer process", [&] { measure_disk(o, out, log); });
  if (o.vmware) {
    if (o.vm.empty()) throw std::invalid_argument("--vmware needs --vm NAME");
    step("the source's copy cycle", [&] { measure_source(o, out, log); });
  }
  if (o.incus) step("the target's create and start", [&] { measure_target(o, out, log); });
  if (!out.measured.empty()) out.measured_at = at;
}

void overhead_options_from_lab(const std::string& info_file, OverheadOptions& o) {
  const nlohmann::json j = nlohmann::json::parse(read_text(info_file), nullptr, false);
  auto str = [&](const nlohmann::json& obj, const char* key) -> std::string {
    if (!obj.is_object() || !obj.contains(key) || !obj[key].is_string()) {
      throw std::runtime_error(info_file + ": no \"" + key + "\" (is it mm-lab's info file?)");
    }
    return obj[key].get<std::string>();
  };
  if (!j.is_object()) throw std::runtime_error(info_file + ": not mm-lab's info file");
  const nlohmann::json& vc = j.value("vmware", nlohmann::json::object());
  o.vmware = source::SourceEndpoint{str(vc, "endpoint"), str(vc, "username"), str(vc, "password"),
                                    str(vc, "fingerprint")};
  const nlohmann::json vms = j.value("vms", nlohmann::json::array());
  if (!vms.is_array() || vms.empty()) throw std::runtime_error(info_file + ": no vms[]");
  o.vm = str(vms[0], "name");
  const nlohmann::json& ic = j.value("incus", nlohmann::json::object());
  target::TargetEndpoint t;
  t.url = str(ic, "endpoint");
  t.tls_client_cert = read_text(str(ic, "client_cert"));
  t.tls_client_key = read_text(str(ic, "client_key"));
  t.trusted_fingerprint = str(ic, "fingerprint");
  o.incus = t;
  if (ic.contains("project") && ic["project"].is_string()) o.project = ic["project"];
  const nlohmann::json pools = ic.value("storage_pools", nlohmann::json::array());
  if (pools.is_array() && !pools.empty() && pools[0].is_string()) o.pool = pools[0];
}

}  // namespace mm::bench
