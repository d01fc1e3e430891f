// mm-bench: capacity planning. `measure` records what the copy engine does on the user's own
// source and target; `plan` predicts a batch's schedule from the daemon's state and those
// measurements; `report` compares a finished batch's measured stages with a plan. docs/mm-bench.md
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include <CLI/CLI.hpp>

#include "bench/mm-bench/daemon_fetch.h"
#include "bench/mm-bench/lab_info.h"
#include "bench/mm-bench/measure.h"
#include "bench/mm-bench/measure_overheads.h"
#include "bench/mm-bench/plan_input.h"
#include "bench/mm-bench/plan_output.h"
#include "bench/mm-bench/plan_throughput.h"
#include "bench/mm-bench/planner.h"
#include "bench/mm-bench/report.h"
#include "bench/mm-bench/units.h"
#include "orchestrator/batch/window_time.h"
#include "orchestrator/worker/mm_transfer_path.h"

namespace {

using namespace mm::bench;

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_file(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp);
    out << text;
    if (!out) throw std::runtime_error("cannot write " + path);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) throw std::runtime_error("cannot write " + path);
}

// "2M" (bytes per second) or "1%/h" (of each instance's data per hour).
void parse_change_rate(const std::string& text, PlanOptions& o) {
  if (text.ends_with("%/h")) {
    const double pct = std::stod(text.substr(0, text.size() - 3));
    if (!(pct >= 0 && pct <= 100)) throw std::invalid_argument("--change-rate: 0%/h to 100%/h");
    o.change_fraction_per_hour = pct / 100;
    return;
  }
  std::string t = text;
  if (t.ends_with("/s")) t.resize(t.size() - 2);
  o.change_rate = static_cast<double>(parse_size(t, "--change-rate"));
}

// "create=3,cycle=2,disk=0.5,power_off=2,post=3"
void parse_overheads(const std::string& text, PlanOptions& o) {
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    const size_t eq = item.find('=');
    if (eq == std::string::npos) throw std::invalid_argument("--overheads: NAME=SECONDS,...");
    const std::string k = item.substr(0, eq);
    const double v = std::stod(item.substr(eq + 1));
    if (!(v >= 0)) throw std::invalid_argument("--overheads: seconds must be >= 0");
    if (k == "create")
      o.create_seconds = v;
    else if (k == "cycle")
      o.cycle_seconds = v;
    else if (k == "disk")
      o.disk_seconds = v;
    else if (k == "power_off")
      o.power_off_seconds = v;
    else if (k == "post")
      o.post_migration_seconds = v;
    else
      throw std::invalid_argument("--overheads: unknown \"" + k +
                                  "\" (create, cycle, disk, power_off, post)");
  }
  o.overheads_origin = "--overheads " + text + " given; otherwise " + o.overheads_origin;
}

struct DaemonFlags {
  DaemonChoice choice;
  std::string input, save_input;
  void add(CLI::App* c) {
    c->add_option("--socket", choice.socket, "The daemon's unix socket");
    c->add_option("--remote", choice.remote, "A remote of migration-manager's configuration");
    c->add_flag("--force-local", choice.force_local, "Use the local unix socket");
    c->add_option("--input", input, "Plan from a saved bundle instead of asking the daemon");
    c->add_option("--save-input", save_input, "Write what was read from the daemon to FILE");
  }
  PlanInput load(const std::string& batch) const {
    nlohmann::json bundle;
    if (!input.empty()) {
      bundle = nlohmann::json::parse(read_file(input), nullptr, false);
      if (bundle.is_discarded()) throw std::invalid_argument(input + ": not valid JSON");
    } else {
      bundle = fetch_plan_bundle(daemon_client(choice), batch);
    }
    if (!save_input.empty()) write_file(save_input, bundle.dump(1) + "\n");
    return plan_input_from_json(bundle);
  }
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"mm-bench: measure the copy engine, plan a batch's schedule (docs/mm-bench.md)"};
  app.require_subcommand(1);

  // measure
  MeasureOptions mo;
  std::string connections = "4", request_sizes = "", out_file, lab_size = "1G", mm_transfer;
  bool lab = false, no_warm_up = false;
  std::string cookie, vddk_creds, source_trust, trust, extents;
  auto* measure =
      app.add_subcommand("measure", "Measure copy throughput on your source and target");
  measure->add_option("--source", mo.sources,
                      "A disk to read (any mm-transfer source); repeatable");
  measure->add_flag("--lab", lab, "Measure a local nbdkit disk of --lab-size random data");
  measure->add_option("--lab-size", lab_size, "Size of the --lab disk (default 1G)");
  measure->add_option("--target", mo.target,
                      "Where to write: a path on the target's storage, or null:");
  measure->add_flag("--overwrite", mo.overwrite, "Allow writing over an existing target");
  measure->add_option("--connections", connections, "Connection counts to try (default 4)");
  measure->add_option("--request-size", request_sizes,
                      "Request sizes to try (default mm-transfer's)");
  measure->add_option("--runs", mo.runs, "Runs per setting after the warm-up (default 3)");
  measure->add_flag("--no-warm-up", no_warm_up, "Skip the warm-up run");
  measure->add_option("--out", out_file, "Write the measurements file (JSON) here");
  measure->add_option("--http-cookie-file", cookie,
                      "Session cookie for an https:// datastore source");
  measure->add_option("--vddk-credentials-file", vddk_creds, "User and password for vddk://");
  measure->add_option("--source-trust", source_trust, "SHA-256 pin of the source's certificate");
  measure->add_option("--trust", trust, "As mm-transfer --trust");
  measure->add_option("--extents-file", extents,
                      "Where the source holds data (copy --extents-file)");
  measure->add_option("--mm-transfer", mm_transfer,
                      "The mm-transfer binary (default: beside mm-bench)");
  // The control plane (docs/mm-bench.md "overheads"): fixed costs of a migration's stages.
  std::string vmware_url, vmware_user, vmware_password_file, vmware_trust, vm_name;
  std::string incus_url, incus_cert, incus_key, incus_trust, incus_project = "default",
                                                             incus_pool = "default";
  std::string lab_info;
  bool allow_power_cycle = false;
  measure->add_option("--vmware", vmware_url,
                      "Measure a copy cycle's fixed cost on this vCenter/ESXi (with --vm): "
                      "snapshot, changeIds, QueryChangedDiskAreas, snapshot removal");
  measure->add_option("--vmware-user", vmware_user, "The source's user");
  measure->add_option("--vmware-password-file", vmware_password_file,
                      "A file holding the source's password");
  measure->add_option("--vmware-trust", vmware_trust, "SHA-256 pin of the source's certificate");
  measure->add_option("--vm", vm_name, "The VM to snapshot (and, if allowed, power-cycle)");
  measure->add_flag("--allow-power-cycle", allow_power_cycle,
                    "Also measure the power-off: the --vm is POWERED OFF (hard) and back ON, "
                    "once per run");
  measure->add_option("--incus", incus_url,
                      "Measure creating and starting an instance on this Incus target: a probe "
                      "VM mm-bench-probe-RANDOM is created, started, stopped and deleted");
  measure->add_option("--incus-cert", incus_cert, "The client certificate (PEM file)");
  measure->add_option("--incus-key", incus_key, "The client key (PEM file)");
  measure->add_option("--incus-trust", incus_trust, "SHA-256 pin of the target's certificate");
  measure->add_option("--incus-project", incus_project, "The probe's project (default default)");
  measure->add_option("--incus-pool", incus_pool, "The probe's storage pool (default default)");
  measure->add_option("--lab-info", lab_info,
                      "mm-lab's info file: --vmware, --vm (its first VM), --incus and the rest "
                      "from it");

  // plan
  std::string batch_name, measurements_file, throughput, aggregate, change_rate, overheads, now,
      svg_file;
  uint64_t plan_connections = 0;
  bool as_json = false;
  DaemonFlags plan_daemon;
  auto* plan_cmd = app.add_subcommand("plan", "Predict a batch's schedule");
  plan_cmd->add_option("BATCH", batch_name, "The batch")->required();
  plan_cmd->add_option("--measurements", measurements_file,
                       "mm-bench measure's file (default $MM_BENCH_MEASUREMENTS)");
  plan_cmd->add_option("--throughput", throughput, "Bytes per second of one copy, e.g. 200M");
  plan_cmd->add_option("--connections", plan_connections,
                       "Use the measurements with this many connections");
  plan_cmd->add_option("--aggregate", aggregate, "Bytes per second all copies share, e.g. 1G");
  plan_cmd->add_option("--change-rate", change_rate, "e.g. 2M (bytes/s) or 1%/h (of the data)");
  plan_cmd->add_option("--overheads", overheads, "create=3,cycle=2,disk=0.5,power_off=2,post=3");
  plan_cmd->add_option("--now", now, "Plan from this time (RFC 3339; default now)");
  plan_cmd->add_flag("--json", as_json, "Print JSON");
  plan_cmd->add_option("--svg", svg_file, "Write a schedule chart");
  plan_daemon.add(plan_cmd);

  // report
  std::string report_batch, report_plan;
  bool report_json = false;
  DaemonFlags report_daemon;
  auto* report_cmd = app.add_subcommand("report", "Measured stage durations next to a plan's");
  report_cmd->add_option("BATCH", report_batch, "The batch")->required();
  report_cmd->add_option("--plan", report_plan, "A plan saved with mm-bench plan --json");
  report_cmd->add_flag("--json", report_json, "Print JSON");
  report_daemon.add(report_cmd);

  CLI11_PARSE(app, argc, argv);
  try {
    if (*measure) {
      mo.connections = parse_size_list(connections, "--connections");
      if (!request_sizes.empty())
        mo.request_sizes = parse_size_list(request_sizes, "--request-size");
      mo.warm_up = !no_warm_up;
      mo.mm_transfer =
          mm_transfer.empty() ? mm::worker::mm_transfer_beside_executable() : mm_transfer;
      auto pass = [&](const char* flag, const std::string& v) {
        if (!v.empty()) mo.extra_args.insert(mo.extra_args.end(), {flag, v});
      };
      pass("--http-cookie-file", cookie);
      pass("--vddk-credentials-file", vddk_creds);
      pass("--source-trust", source_trust);
      pass("--trust", trust);
      pass("--extents-file", extents);
      std::unique_ptr<LabDisk> disk;
      if (lab) {
        disk = std::make_unique<LabDisk>(parse_size(lab_size, "--lab-size"));
        mo.sources.push_back(disk->uri());
      }
      if (mo.sources.empty()) throw std::invalid_argument("give --source URI (or --lab)");
      const auto log = [](const std::string& l) { std::cerr << l << "\n"; };
      OverheadOptions oo;
      if (!lab_info.empty()) overhead_options_from_lab(lab_info, oo);
      if (!vmware_url.empty()) {
        if (vmware_user.empty() || vmware_password_file.empty()) {
          throw std::invalid_argument("--vmware needs --vmware-user and --vmware-password-file");
        }
        std::string password = read_file(vmware_password_file);
        while (!password.empty() && (password.back() == '\n' || password.back() == '\r')) {
          password.pop_back();
        }
        oo.vmware = mm::source::SourceEndpoint{vmware_url, vmware_user, password, vmware_trust};
      }
      if (!vm_name.empty()) oo.vm = vm_name;
      if (oo.vmware && oo.vm.empty()) throw std::invalid_argument("--vmware needs --vm NAME");
      if (allow_power_cycle && !oo.vmware) {
        throw std::invalid_argument("--allow-power-cycle needs --vmware (or --lab-info)");
      }
      oo.allow_power_cycle = allow_power_cycle;
      if (!incus_url.empty()) {
        if (incus_cert.empty() || incus_key.empty()) {
          throw std::invalid_argument("--incus needs --incus-cert and --incus-key");
        }
        mm::target::TargetEndpoint t;
        t.url = incus_url;
        t.tls_client_cert = read_file(incus_cert);
        t.tls_client_key = read_file(incus_key);
        t.trusted_fingerprint = incus_trust;
        oo.incus = t;
        oo.project = incus_project;
        oo.pool = incus_pool;
      }
      oo.mm_transfer = mo.mm_transfer;
      if (mo.target != "null:" && mo.target.find("://") == std::string::npos) {
        oo.scratch_dir = std::filesystem::absolute(mo.target).parent_path();
      }
      oo.runs = mo.runs;
      oo.warm_up = mo.warm_up;
      Measurements m = run_measurements(mo, log);
      measure_overheads(oo, m.overheads, log);
      const std::string text = to_json(m).dump(2) + "\n";
      if (!out_file.empty()) {
        write_file(out_file, text);
        std::cerr << "best median " << format_rate(m.throughput_bytes_per_second) << " ("
                  << m.best_connections << " connections)";
        const nlohmann::json ov = to_json(m).value("overheads", nlohmann::json::object());
        for (const char* f : kOverheadFields) {
          if (ov.contains(f)) std::cerr << ", " << f << " " << ov[f].get<double>();
        }
        std::cerr << "; written to " << out_file << "\n";
      } else {
        std::cout << text;
      }
      return 0;
    }
    if (*plan_cmd) {
      PlanOptions o;
      o.now = std::chrono::system_clock::now();
      if (!now.empty()) {
        auto t = mm::batch::parse_window_time(now);
        if (!t) throw std::invalid_argument("--now: not a time");
        o.now = *t;
      }
      if (measurements_file.empty()) {
        if (const char* env = std::getenv("MM_BENCH_MEASUREMENTS")) measurements_file = env;
      }
      if (!throughput.empty()) {
        std::string t = throughput;
        if (t.ends_with("/s")) t.resize(t.size() - 2);
        use_given_throughput(o, static_cast<double>(parse_size(t, "--throughput")));
      } else if (!measurements_file.empty()) {
        use_measured_throughput(o, load_measurements(measurements_file), measurements_file,
                                plan_connections);
      } else if (const char* lab_info = std::getenv("MM_LAB_INFO")) {
        // Inside the demo: measure the copy the daemon will make there (a lab VM's flat image to
        // a fresh file beside the info file), warm-up and 3 runs.
        MeasureOptions lm;
        lm.sources = {lab_disk_images(lab_info).front()};
        lm.target = std::filesystem::path(lab_info).parent_path() / "mm-bench-measure.img";
        lm.mm_transfer = mm::worker::mm_transfer_beside_executable();
        const Measurements m = run_measurements(lm, [](const std::string&) {});
        o.stream_bytes_per_second = m.throughput_bytes_per_second;
        o.throughput_origin = "measured just now on the lab (MM_LAB_INFO): " +
                              format_rate(m.throughput_bytes_per_second) + " per copy, " +
                              lm.sources[0] + " to a file, median of 3";
      } else {
        use_assumed_throughput(
            o, "run mm-bench measure and pass --measurements, or set MM_BENCH_MEASUREMENTS");
      }
      if (!aggregate.empty()) {
        std::string t = aggregate;
        if (t.ends_with("/s")) t.resize(t.size() - 2);
        o.aggregate_bytes_per_second = static_cast<double>(parse_size(t, "--aggregate"));
      }
      if (!change_rate.empty()) parse_change_rate(change_rate, o);
      if (!overheads.empty()) parse_overheads(overheads, o);
      const Plan p = make_plan(plan_daemon.load(batch_name), o);
      if (!svg_file.empty()) write_file(svg_file, plan_svg(p));
      std::cout << (as_json ? plan_to_json(p).dump(2) + "\n" : plan_table(p));
      return p.all_fit ? 0 : 1;
    }
    if (*report_cmd) {
      nlohmann::json plan;
      if (!report_plan.empty()) {
        plan = nlohmann::json::parse(read_file(report_plan), nullptr, false);
        if (plan.is_discarded()) throw std::invalid_argument(report_plan + ": not valid JSON");
      }
      const Report r = make_report(report_daemon.load(report_batch), plan);
      std::cout << (report_json ? report_to_json(r).dump(2) + "\n" : report_table(r));
      return 0;
    }
  } catch (const std::exception& e) {
    std::cerr << "mm-bench: " << e.what() << "\n";
    return 2;
  }
  return 0;
}
