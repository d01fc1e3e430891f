// Evaluates include expressions over 10,000 instance records, as a batch does when it selects
// its instances.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "orchestrator/expr/program.h"

namespace {

constexpr int kRecords = 10000;

std::vector<nlohmann::json> make_records() {
  std::vector<nlohmann::json> out;
  out.reserve(kRecords);
  const char* folders[] = {"/vc01/vm/Incus migrations/", "/vc01/vm/other/", "/ha-datacenter/vm/"};
  const char* sources[] = {"vcenter01", "esxi01"};
  for (int i = 0; i < kRecords; ++i) {
    nlohmann::json disks = nlohmann::json::array();
    for (int d = 0; d <= i % 3; ++d)
      disks.push_back({{"name", "disk" + std::to_string(d)},
                       {"capacity", (d + 1) * 64LL * 1024 * 1024 * 1024},
                       {"shared", false},
                       {"supported", true}});
    out.push_back({
        {"name", "vm" + std::to_string(i)},
        {"location",
         std::string(folders[i % 3]) + (i % 5 == 0 ? "CentOS " : "Win2016 ") + std::to_string(i)},
        {"source", sources[i % 2]},
        {"source_type", "vmware"},
        {"os", "linux"},
        {"os_version", "CentOS Stream 9"},
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
           {"ipv4_address", {"10.10.0.21"}},
           {"ipv6_address", nlohmann::json::array()}}}},
        {"snapshots", nlohmann::json::array()},
    });
  }
  return out;
}

void run(benchmark::State& state, const char* expression) {
  static const std::vector<nlohmann::json> records = make_records();
  mm::expr::Program program = mm::expr::compile_include(expression);
  std::int64_t matched = 0;
  for (auto _ : state) {
    matched = 0;
    for (const auto& r : records) matched += mm::expr::matches_instance(program, r) ? 1 : 0;
    benchmark::DoNotOptimize(matched);
  }
  state.counters["matched"] = static_cast<double>(matched);
  state.counters["records/s"] = benchmark::Counter(static_cast<double>(kRecords),
                                                   benchmark::Counter::kIsIterationInvariantRate);
}

// Document 000's batch filter.
void BM_EsxiBatch(benchmark::State& state) {
  run(state, "(location matches 'Win2016' or location matches 'CentOS') and len(disks) == 1");
}
// Document 001's batch01 filter.
void BM_IncusFolder(benchmark::State& state) {
  run(state, "location matches '/Incus migrations/' and source == 'vcenter01'");
}
void BM_Predicate(benchmark::State& state) {
  run(state, "all(disks, .capacity > 32 * 1024 * 1024 * 1024) and cpus >= 2 and background_import");
}

}  // namespace

BENCHMARK(BM_EsxiBatch)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_IncusFolder)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Predicate)->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
