// Micro-benchmarks of the per-byte work of a copy: hashing each 64 KiB leaf while it is in cache,
// folding leaf hashes into the disk digest, and planning a copy from a fragmented allocation map.
#include <benchmark/benchmark.h>

#include <cstring>
#include <random>
#include <vector>

#include "transfer/copy_plan.h"
#include "transfer/disk_digest.h"

namespace mt = mm::transfer;

namespace {

// Hashing one request's worth of leaves (the copier does this right after each read completes).
void BM_HashLeaves(benchmark::State& state) {
  const size_t bytes = static_cast<size_t>(state.range(0));
  std::vector<unsigned char> data(bytes);
  std::mt19937_64 rng(1);
  for (auto& b : data) b = static_cast<unsigned char>(rng());
  std::vector<uint64_t> hashes(bytes / mt::kLeafSize + 1);
  for (auto _ : state) {
    mt::hash_leaves(data.data(), bytes, hashes.data());
    benchmark::DoNotOptimize(hashes.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(bytes));
}
BENCHMARK(BM_HashLeaves)->Arg(256 << 10)->Arg(4 << 20);

// Folding leaf hashes of a 64 GiB disk into the digest (1 Mi leaves per iteration).
void BM_DigestFold(benchmark::State& state) {
  const uint64_t leaves = 1 << 20;
  for (auto _ : state) {
    mt::DigestAccumulator acc(leaves * mt::kLeafSize);
    for (uint64_t i = 0; i < leaves; ++i) acc.add_leaf(i * 0x9e3779b97f4a7c15ull);
    benchmark::DoNotOptimize(acc.finish_hex());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * leaves));
}
BENCHMARK(BM_DigestFold)->Unit(benchmark::kMillisecond);

// Zero leaves are folded without hashing data: a 1 TiB empty disk.
void BM_DigestZeroDisk(benchmark::State& state) {
  const uint64_t size = 1ull << 40;
  for (auto _ : state) {
    mt::DigestAccumulator acc(size);
    acc.add_zero_leaves(size / mt::kLeafSize);
    benchmark::DoNotOptimize(acc.finish_hex());
  }
}
BENCHMARK(BM_DigestZeroDisk)->Unit(benchmark::kMillisecond);

// A disk whose map alternates data and zero runs of `run` bytes: the planner's cost per extent.
class FragmentedDisk final : public mt::SourceReader {
 public:
  FragmentedDisk(uint64_t size, uint64_t run) : size_(size), run_(run) {}
  uint64_t size() const override { return size_; }
  void map(uint64_t offset, uint64_t length, const mt::ExtentVisitor& visit) override {
    uint64_t pos = offset;
    const uint64_t end = offset + length;
    while (pos < end) {
      const uint64_t run_end = std::min(end, (pos / run_ + 1) * run_);
      visit(pos, run_end - pos, (pos / run_) % 2 == 1);
      pos = run_end;
    }
  }
  void start_read(mt::IoRequest&) override {}
  unsigned max_in_flight() const override { return 1; }
  std::string describe() const override { return "fragmented"; }

 private:
  uint64_t size_, run_;
};

void BM_PlanFragmentedDisk(benchmark::State& state) {
  const uint64_t size = 16ull << 30;
  const uint64_t run = static_cast<uint64_t>(state.range(0));
  uint64_t ops = 0;
  for (auto _ : state) {
    FragmentedDisk disk(size, run);
    mt::CopyPlanner planner(disk, 0, 256 << 10);
    mt::PlannedOp op;
    while (planner.next(&op)) ++ops;
  }
  state.SetItemsProcessed(static_cast<int64_t>(ops));
  state.counters["disk_GiB_per_s"] = benchmark::Counter(
      static_cast<double>(state.iterations()) * 16, benchmark::Counter::kIsRate);
}
BENCHMARK(BM_PlanFragmentedDisk)->Arg(64 << 10)->Arg(1 << 20)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
