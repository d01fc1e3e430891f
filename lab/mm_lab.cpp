// mm-lab: the embedded lab a demo, a benchmark or a browser test migrates in, as one process.
//   mm-lab --info FILE [--vms N] [--churn SECONDS]
// Starts the VMware simulator (VMs whose disks hold real data, change tracking on) and the Incus
// lab target (a private incusd in its own network namespace, fronted by the VM stand-in on the
// host's loopback), writes FILE (JSON, docs/demo.md) once everything is ready, writes guest changes
// every SECONDS with --churn, and on SIGINT / SIGTERM tears everything down and exits 0. Needs root
// (incusd). Files live under $MM_TEST_TMPDIR (default /var/tmp), removed at exit.
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "lab/lab_vms.h"
#include "tests/support/guest_disk.h"
#include "tests/support/incus_lab.h"
#include "tests/support/servers.h"
#include "tests/vmware/vmware_sim_fixture.h"

namespace {

volatile sig_atomic_t g_stop = 0;

void on_stop(int) {
  g_stop = 1;
}

void log(const std::string& line) {
  std::fprintf(stderr, "[mm-lab] %s\n", line.c_str());
}

// "AB:CD:..." or "abcd..." -> "abcd...", the form the CLI shows and takes.
std::string plain_fingerprint(std::string fp) {
  std::string out;
  for (char c : fp) {
    if (c != ':') out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

// The sim announces https://127.0.0.1:PORT/sdk; users give the host's address without the path.
std::string without_sdk(std::string url) {
  if (url.size() > 4 && url.ends_with("/sdk")) url.resize(url.size() - 4);
  return url;
}

void write_atomically(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp);
    out << text << "\n";
    if (!out) throw std::runtime_error("cannot write " + tmp);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) throw std::runtime_error("cannot write " + path);
}

// The Incus lab with incusd in its own network namespace but the stand-in, the lab's one endpoint,
// on this host's loopback, where the daemon and the CLI are: the stand-in reaches incusd over its
// unix socket, which no network namespace hides.
struct IncusPart {
  std::unique_ptr<mm::test::IncusServer> server;
  std::unique_ptr<mm::test::IncusLab> lab;
};

IncusPart start_incus() {
  IncusPart p;
  const int host_netns = ::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (host_netns < 0) throw std::runtime_error("cannot open this thread's network namespace");
  try {
    p.server = std::make_unique<mm::test::IncusServer>();  // joins incusd's namespace...
  } catch (...) {
    ::close(host_netns);
    throw;
  }
  const int back = ::setns(host_netns, CLONE_NEWNET);  // ...and back to ours
  ::close(host_netns);
  if (back != 0) throw std::runtime_error("cannot return to the host's network namespace");
  p.lab = std::make_unique<mm::test::IncusLab>(*p.server);
  return p;
}

int run(const std::string& info_path, int vm_count, double churn_seconds) {
  const auto begin = std::chrono::steady_clock::now();
  const std::vector<mm::lab::LabVm> vms = mm::lab::lab_vms(vm_count);
  IncusPart incus = start_incus();
  if (g_stop) return 0;
  mm::test::VmwareSim sim("esxi", mm::lab::simulator_model(vms));
  if (g_stop) return 0;

  nlohmann::json vm_info = nlohmann::json::array();
  std::vector<std::pair<mm::lab::LabVm, std::string>> images;
  uint32_t seed = 1;
  for (const mm::lab::LabVm& vm : vms) {
    const std::string image = mm::test::flat_image_path(sim.datastore_dir(), vm.name);
    const uint64_t data = mm::lab::fill_disk(image, vm.disk_bytes, seed++);
    log(vm.name + ": " + std::to_string(vm.disk_bytes >> 20) + " MiB disk, " +
        std::to_string(data >> 20) + " MiB of data");
    images.emplace_back(vm, image);
    vm_info.push_back({{"name", vm.name},
                       {"uuid", vm.uuid},
                       {"location", "/ha-datacenter/vm/" + vm.name},
                       {"disk_images", {image}},
                       {"disk_sizes", {vm.disk_bytes}}});
  }

  const mm::target::TargetEndpoint target = incus.lab->endpoint();
  const mm::test::TestCert& client = incus.server->trusted_client();
  nlohmann::json info = {
      {"vmware",
       {{"endpoint", without_sdk(sim.url())},
        {"username", mm::test::VmwareSim::kUser},
        {"password", mm::test::VmwareSim::kPassword},
        {"fingerprint", plain_fingerprint(sim.fingerprint())},
        {"datastore_dir", {{"datastore-01", sim.datastore_dir()}}}}},
      {"incus",
       {{"endpoint", target.url},
        {"client_cert", client.cert_path},
        {"client_key", client.key_path},
        {"client_cert_pem", client.cert_pem},
        {"client_key_pem", client.key_pem},
        {"fingerprint", plain_fingerprint(target.trusted_fingerprint)},
        {"project", "default"},
        {"storage_pools", {incus.server->pool(), mm::test::IncusLab::kPool2}},
        // Where the dir pools keep their volumes: a VM's root disk is
        // DIR/virtual-machines/NAME/root.img (project default).
        {"pool_dirs",
         {{incus.server->pool(), incus.server->pool_source()},
          {mm::test::IncusLab::kPool2, incus.lab->pool_source(mm::test::IncusLab::kPool2)}}},
        {"network", mm::test::IncusLab::kNetwork}}},
      {"vms", vm_info},
      {"churn_seconds", churn_seconds},
      {"pid", ::getpid()}};
  write_atomically(info_path, info.dump(2));
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - begin);
  log("ready in " + std::to_string(ms.count()) + " ms: " + info_path);

  mm::lab::GuestChurn churn(sim.endpoint(), images);
  auto next_churn = std::chrono::steady_clock::now();
  uint64_t churned = 0;
  while (!g_stop) {
    if (churn_seconds > 0 && std::chrono::steady_clock::now() >= next_churn) {
      const auto t = churn.tick();
      churned += t.bytes;
      next_churn += std::chrono::milliseconds(static_cast<int64_t>(churn_seconds * 1000));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  log("stopping (guest churn wrote " + std::to_string(churned >> 10) + " KiB)");
  std::remove(info_path.c_str());
  return 0;  // the simulator, the stand-in and incusd go with their owners, in reverse order
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"mm-lab: the VMware simulator and the Incus lab target, ready to migrate between"};
  std::string info;
  int vms = 3;
  double churn = 0;
  app.add_option("--info", info, "Write the lab's endpoints and VMs here (JSON) once ready")
      ->required();
  app.add_option("--vms", vms, "How many VMs (1-9; default 3)")->check(CLI::Range(1, 9));
  app.add_option("--churn", churn, "Write guest changes to the running VMs every SECONDS")
      ->check(CLI::NonNegativeNumber);
  CLI11_PARSE(app, argc, argv);

  struct sigaction sa = {};
  sa.sa_handler = on_stop;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
  try {
    return run(info, vms, churn);
  } catch (const std::exception& e) {
    log(std::string("failed: ") + e.what());
    return 1;
  }
}
