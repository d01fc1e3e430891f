// Runs placement scriptlets over 10,000 instance records, as a batch does when it places the
// instances it matched. Each record is placed by its own place() call, with its own heap and
// step budget, exactly as the daemon will call it.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "orchestrator/starlark/placement.h"

namespace {

constexpr int kRecords = 10000;

// The same shape of record as bench_expr's, so the two figures compare.
std::vector<nlohmann::json> make_records() {
  std::vector<nlohmann::json> out;
  out.reserve(kRecords);
  const char* folders[] = {"/vc01/vm/Incus migrations/", "/vc01/vm/other/", "/ha-datacenter/vm/"};
  const char* sources[] = {"vcenter01", "esxi01"};
  const char* os_versions[] = {"CentOS Stream 9", "Debian GNU/Linux 12 (bookworm)",
                               "Windows Server 2016, 64-bit (Build 14393.693)"};
  for (int i = 0; i < kRecords; ++i) {
    nlohmann::json disks = nlohmann::json::array();
    for (int d = 0; d <= i % 3; ++d)
      disks.push_back({{"name", "disk" + std::to_string(d)},
                       {"capacity", (d + 1) * 64LL * 1024 * 1024 * 1024},
                       {"shared", false},
                       {"supported", true}});
    nlohmann::json r = {
        {"name", "vm" + std::to_string(i)},
        {"location",
         std::string(folders[i % 3]) + (i % 5 == 0 ? "CentOS " : "Win2016 ") + std::to_string(i)},
        {"source", sources[i % 2]},
        {"source_type", "vmware"},
        {"os", "linux"},
        {"os_version", os_versions[i % 3]},
        {"os_type", "linux"},
        {"distribution", "CentOS"},
        {"distribution_version", "9"},
        {"cpus", 1 + i % 8},
        {"memory", (1LL + i % 16) << 30},
        {"architecture", "x86_64"},
        {"running", true},
        {"background_import", i % 7 != 0},
        {"secure_boot", false},
        {"legacy_boot", false},
        {"tpm", false},
        {"uuid", "52cfcb6b-20ee-add3-adc9-" + std::to_string(100000000000LL + i)},
        {"description", ""},
        {"config", {{"key", "value"}}},
        {"disks", disks},
        {"nics",
         {{{"hardware_address", "00:50:56:aa:bb:01"},
           {"network", "VMWARE"},
           {"ipv4_address", "10.10.0.21"},
           {"ipv6_address", ""}}}},
        {"snapshots", nlohmann::json::array()},
    };
    out.push_back(std::move(r));
  }
  return out;
}

const nlohmann::json kBatch = {{"name", "batch02"}, {"include_expression", "background_import"}};

void run(benchmark::State& state, const char* script) {
  static const std::vector<nlohmann::json> records = make_records();
  const mm::starlark::PlacementScript s = mm::starlark::PlacementScript::compile(script);
  std::int64_t placed = 0;
  for (auto _ : state) {
    placed = 0;
    for (const auto& r : records) {
      mm::starlark::PlacementResult p = s.place(r, kBatch);
      placed += (p.target.has_value() ? 1 : 0) + static_cast<std::int64_t>(p.pools.size());
    }
    benchmark::DoNotOptimize(placed);
  }
  state.counters["placements"] = static_cast<double>(placed);
  state.counters["records/s"] = benchmark::Counter(static_cast<double>(kRecords),
                                                   benchmark::Counter::kIsIterationInvariantRate);
}

// Document 001's batch01 scriptlet (as edited, through instance.properties).
void BM_Batch01SetTarget(benchmark::State& state) {
  run(state,
      "def placement(instance, batch):\n"
      "    if instance.properties.os_version.startswith(\"CentOS\"):\n"
      "        set_target(\"incus02\")\n");
}

// Document 001's batch02 scriptlet: volumes of 100 GiB or more on pool02.
void BM_Batch02SetPool(benchmark::State& state) {
  run(state,
      "def placement(instance, batch):\n"
      "    for disk in instance.properties.disks:\n"
      "        if disk.capacity >= (1024 * 1024 * 1024 * 100):\n"
      "            set_pool(disk.name, 'pool02')\n");
}

// A busier script: helper function, string formatting, a dict lookup, logging and NICs.
void BM_Busier(benchmark::State& state) {
  run(state,
      "TARGETS = {'vcenter01': 'incus01', 'esxi01': 'incus02'}\n"
      "def pool_for(disk):\n"
      "    return 'pool02' if disk.capacity >= 100 * 1024 * 1024 * 1024 else 'default'\n"
      "def placement(instance, batch):\n"
      "    set_target(TARGETS.get(instance.source, 'incus01'))\n"
      "    set_project('proj-%s' % instance.source)\n"
      "    for disk in instance.disks:\n"
      "        set_pool(disk.name, pool_for(disk))\n"
      "    for nic in instance.nics:\n"
      "        set_network(nic.hardware_address, 'br0', 'bridged', 10)\n"
      "    log_info('placed %s with %d disks' % (instance.name, len(instance.disks)))\n");
}

}  // namespace

BENCHMARK(BM_Batch01SetTarget)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Batch02SetPool)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Busier)->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
