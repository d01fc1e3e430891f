// Fuzzes the measurements file mm-bench plan (and the daemon's preflight) reads: anything must be
// accepted or refused with std::invalid_argument; an accepted file writes and reads back the same.
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string_view>

#include "bench/mm-bench/measurements.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const mm::bench::Measurements m = mm::bench::parse_measurements(text);
    const nlohmann::json j = mm::bench::to_json(m);
    const mm::bench::Measurements back = mm::bench::measurements_from_json(j);
    if (mm::bench::to_json(back) != j) __builtin_trap();
    (void)mm::bench::throughput_for(m, 4);
  } catch (const std::invalid_argument&) {
  }
  return 0;
}
