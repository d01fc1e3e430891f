// Fuzzes mm-bench plan's input bundle (the daemon's answers, or a saved --input file): parsed, then
// planned and rendered. Anything must be refused with std::invalid_argument or planned; the
// planner must end (bounded events) and never crash on what the parser accepted.
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string_view>

#include "bench/mm-bench/plan_input.h"
#include "bench/mm-bench/plan_output.h"
#include "bench/mm-bench/planner.h"
#include "bench/mm-bench/report.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  mm::bench::PlanInput in;
  try {
    in = mm::bench::parse_plan_input(text);
  } catch (const std::invalid_argument&) {
    return 0;
  }
  if (in.instances.size() > 16) return 0;  // the cost grows with the estate, not the parser
  mm::bench::PlanOptions o;
  o.now = std::chrono::system_clock::time_point(std::chrono::seconds(1764547200));
  o.stream_bytes_per_second = 100e6;
  o.max_events = 2000;
  const mm::bench::Plan p = mm::bench::make_plan(in, o);
  (void)mm::bench::plan_table(p);
  (void)mm::bench::plan_svg(p);
  const nlohmann::json j = mm::bench::plan_to_json(p);
  (void)mm::bench::make_report(in, j);
  return 0;
}
