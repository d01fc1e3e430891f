// The extent algebra on change sets of 100k extents: what a top-up of a large, busy disk produces.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

#include "cbt/extent_set.h"

namespace {

using mm::cbt::ExtentSet;

// `count` scattered extents of 4 KiB to 1 MiB over a disk, appended in order.
ExtentSet scattered(size_t count, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<uint64_t> gap(4096, 4 << 20), len(4096, 1 << 20);
  ExtentSet s;
  uint64_t pos = 0;
  for (size_t i = 0; i < count; ++i) {
    pos += gap(rng) & ~uint64_t{4095};
    const uint64_t l = len(rng) & ~uint64_t{4095};
    s.add(pos, l);
    pos += l;
  }
  return s;
}

void BM_Union(benchmark::State& state) {
  const ExtentSet a = scattered(state.range(0), 1), b = scattered(state.range(0), 2);
  for (auto _ : state) benchmark::DoNotOptimize(a.union_with(b));
  state.SetItemsProcessed(state.iterations() * state.range(0) * 2);
}
BENCHMARK(BM_Union)->Arg(100'000);

void BM_Intersection(benchmark::State& state) {
  const ExtentSet a = scattered(state.range(0), 1), b = scattered(state.range(0), 2);
  for (auto _ : state) benchmark::DoNotOptimize(a.intersection(b));
  state.SetItemsProcessed(state.iterations() * state.range(0) * 2);
}
BENCHMARK(BM_Intersection)->Arg(100'000);

void BM_Difference(benchmark::State& state) {
  const ExtentSet a = scattered(state.range(0), 1), b = scattered(state.range(0), 2);
  for (auto _ : state) benchmark::DoNotOptimize(a.difference(b));
  state.SetItemsProcessed(state.iterations() * state.range(0) * 2);
}
BENCHMARK(BM_Difference)->Arg(100'000);

void BM_Coalesce(benchmark::State& state) {
  const ExtentSet a = scattered(state.range(0), 1);
  for (auto _ : state) benchmark::DoNotOptimize(a.coalesced(1 << 20));
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_Coalesce)->Arg(100'000);

void BM_AlignOutward(benchmark::State& state) {
  const ExtentSet a = scattered(state.range(0), 1);
  for (auto _ : state) benchmark::DoNotOptimize(a.aligned_outward(256 << 10));
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_AlignOutward)->Arg(100'000);

// Building a set from a block-status walk: in-order appends.
void BM_AppendInOrder(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(scattered(state.range(0), 3));
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_AppendInOrder)->Arg(100'000);

// The extents file arrives unsorted: from_extents sorts and merges.
void BM_FromUnsorted(benchmark::State& state) {
  std::vector<mm::cbt::Extent> v(scattered(state.range(0), 4).extents());
  std::shuffle(v.begin(), v.end(), std::mt19937_64(5));
  for (auto _ : state) benchmark::DoNotOptimize(ExtentSet::from_extents(v));
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_FromUnsorted)->Arg(100'000);

}  // namespace

BENCHMARK_MAIN();
