// migration-managerd: the daemon. Opens (and migrates) the state in --state-dir, loads or creates
// its TLS identity there, serves the API on the unix socket and, with --listen, over HTTPS, until
// SIGTERM or SIGINT.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/go_duration.h"
#include "orchestrator/api/router.h"
#include "orchestrator/daemon/http_server.h"
#include "orchestrator/daemon/listen_address.h"
#include "orchestrator/daemon/log.h"
#include "orchestrator/incus/connector.h"
#include "orchestrator/inventory/clock.h"
#include "orchestrator/inventory/sync_service.h"
#include "orchestrator/migration/migration_steps.h"
#include "orchestrator/migration/preflight.h"
#include "orchestrator/migration/scheduler.h"
#include "orchestrator/migration/worker_copier.h"
#include "orchestrator/source/source_inventory.h"
#include "orchestrator/state/store.h"
#include "orchestrator/target/target_status.h"
#include "orchestrator/tls/identity.h"
#include "orchestrator/vmware/vmware_client.h"
#include "orchestrator/worker/mm_transfer_path.h"

namespace {

std::string host_name() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0) return "localhost";
  return buf;
}

// The web interface beside the executable: BUILD/web/dist from BUILD/bin, or an installed
// PREFIX/share/migration-manager/ui from PREFIX/bin; "" when neither has an index.html.
std::string default_ui_dir() {
  std::error_code ec;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return "";
  const std::filesystem::path up = self.parent_path().parent_path();
  for (const auto& dir : {up / "web" / "dist", up / "share" / "migration-manager" / "ui"}) {
    if (std::filesystem::is_regular_file(dir / "index.html", ec)) return dir.string();
  }
  return "";
}

int run(const std::string& state_dir, const std::string& listen, const std::string& socket_path,
        int threads, std::chrono::nanoseconds sync_interval,
        const std::map<std::string, std::string>& datastore_dirs, const std::string& ui_dir,
        const std::string& throughput_file) {
  using mm::daemon::log_line;
  // Block the stop signals before any thread starts, so every thread inherits the mask and the
  // main thread alone receives them in sigwait.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
  // Everything the daemon creates in its state dir (database, WAL, keys) is for its owner only.
  ::umask(0077);

  auto store = mm::state::Store::open_dir(state_dir);
  const mm::tls::Identity identity =
      mm::tls::load_or_create_identity(state_dir, "migration-manager@" + host_name());
  log_line("state in " + state_dir + ", certificate fingerprint " + identity.fingerprint);

  // The source and target clients: VMware over the vSphere API, Incus over its REST API.
  std::shared_ptr<mm::source::SourceConnector> source_client =
      std::make_shared<mm::vmware::VmwareConnector>();
  std::shared_ptr<mm::target::TargetConnector> target_client =
      std::make_shared<mm::incus::IncusConnector>();
  mm::inventory::SyncOptions sync_options;
  sync_options.interval = sync_interval;
  mm::inventory::SyncService sync_service(*store, source_client, target_client, sync_options);

  // Migrations: the scheduler decides on the real clock; the steps copy disks through mm-transfer
  // workers started from the directory this daemon runs from.
  mm::migration::WorkerCopier copier({mm::worker::mm_transfer_beside_executable()});
  mm::migration::StepsOptions steps_options;
  steps_options.work_dir = state_dir + "/migrations";
  steps_options.datastore_dirs = datastore_dirs;
  // Uploaded artifacts (docs/artifacts.md): with an sdk artifact, disks are read through VDDK.
  const std::string artifacts_dir = state_dir + "/artifacts";
  steps_options.artifacts_dir = artifacts_dir;
  mm::migration::MigrationSteps steps(*store, copier, steps_options);
  mm::migration::SystemClock clock;
  mm::migration::Scheduler scheduler(*store, clock, steps);

  mm::api::Router router(*store, {host_name(), MM_VERSION, identity.cert_pem, identity.fingerprint},
                         &sync_service, &scheduler);
  router.set_ui_dir(ui_dir);
  // Preflight (docs/preflight.md) estimates copy times from mm-bench's measurements when given.
  mm::migration::Preflight preflight(*store, {throughput_file});
  router.set_preflight(&preflight);
  // GET /1.0/batches/NAME/plan (docs/mm-bench.md) plans with the same measurements.
  router.set_throughput_file(throughput_file);
  if (!ui_dir.empty()) log_line("web interface from " + ui_dir + " at /ui/");
  router.set_artifacts({artifacts_dir, datastore_dirs});
  mm::daemon::HttpServer server(router, *store, identity);
  server.listen_unix(socket_path);
  log_line("listening on unix:" + socket_path);
  if (!listen.empty()) {
    const auto addr = mm::daemon::parse_listen_address(listen);
    const unsigned short port = server.listen_https(addr.host, addr.port);
    const std::string shown =
        addr.host.find(':') != std::string::npos ? "[" + addr.host + "]" : addr.host;
    log_line("listening on https://" + shown + ":" + std::to_string(port));
  }
  server.start(threads);
  sync_service.start();
  scheduler.start();

  int sig = 0;
  sigwait(&stop_signals, &sig);
  log_line(std::string("stopping on ") + (sig == SIGTERM ? "SIGTERM" : "SIGINT"));
  server.stop();
  scheduler.stop();
  steps.stop_all();  // workers killed; their checkpoints resume them at the next start
  sync_service.stop();
  log_line("stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"migration-managerd: the migration manager daemon"};
  std::string state_dir;
  std::string listen;
  std::string socket_path;
  int threads = 2;
  std::string sync_interval = "10m";
  std::vector<std::string> datastore_dir_args;
  std::string ui_dir = default_ui_dir();
  std::string throughput_file;
  app.add_option("--state-dir", state_dir, "Directory for the database, keys and certificate")
      ->required();
  app.add_option("--listen", listen,
                 "HTTPS address HOST:PORT ([::1]:PORT for IPv6; port 0 picks one)");
  app.add_option("--socket", socket_path, "Unix socket path (default: STATE_DIR/unix.socket)");
  app.add_option("--threads", threads, "Worker threads")->check(CLI::Range(1, 64));
  app.add_option("--sync-interval", sync_interval,
                 "How often every source is resynced, as a Go duration (10m, 30s; 0 disables)");
  app.add_option("--datastore-dir", datastore_dir_args,
                 "A datastore mounted here, NAME=DIR (repeatable): its disks are read from DIR");
  app.add_option("--ui-dir", ui_dir,
                 "The web interface's built files, served at /ui/ (default: the build's web/dist "
                 "or share/migration-manager/ui beside bin/)");
  app.add_option("--throughput-file", throughput_file,
                 "mm-bench measure's JSON: preflight and GET /1.0/batches/NAME/plan estimate "
                 "copy times from its throughput (default: 100 MiB/s, said to be a default)");
  CLI11_PARSE(app, argc, argv);
  std::map<std::string, std::string> datastore_dirs;
  for (const std::string& a : datastore_dir_args) {
    const size_t eq = a.find('=');
    if (eq == 0 || eq == std::string::npos || eq + 1 == a.size()) {
      std::fprintf(stderr, "--datastore-dir %s: expected NAME=DIR\n", a.c_str());
      return 2;
    }
    datastore_dirs[a.substr(0, eq)] = a.substr(eq + 1);
  }
  if (socket_path.empty()) socket_path = state_dir + "/unix.socket";
  std::chrono::nanoseconds interval{};
  try {
    interval = mm::parse_go_duration(sync_interval, "--sync-interval");
    if (interval.count() < 0) throw std::invalid_argument("--sync-interval: must not be negative");
  } catch (const std::invalid_argument& e) {
    std::fprintf(stderr, "%s (examples: 10m, 30s, 1h30m)\n", e.what());
    return 2;
  }
  try {
    return run(state_dir, listen, socket_path, threads, interval, datastore_dirs, ui_dir,
               throughput_file);
  } catch (const std::exception& e) {
    mm::daemon::log_line(std::string("fatal: ") + e.what());
    return 1;
  }
}
