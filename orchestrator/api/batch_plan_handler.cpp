// GET /1.0/batches/{name}/plan[?throughput=BYTES_PER_SECOND]: mm-bench's predicted schedule of a
// batch (docs/mm-bench.md), made in the daemon. The bundle the planner reads is assembled by the
// same code as `mm-bench plan` (bench/mm-bench/plan_bundle.h) from the same URLs, answered by this
// router's own GET handlers, so both plan from exactly the same JSON.
#include <chrono>
#include <exception>
#include <string>

#include "bench/mm-bench/measurements.h"
#include "bench/mm-bench/plan_bundle.h"
#include "bench/mm-bench/plan_input.h"
#include "bench/mm-bench/plan_output.h"
#include "bench/mm-bench/plan_throughput.h"
#include "bench/mm-bench/planner.h"
#include "bench/mm-bench/units.h"
#include "orchestrator/api/api_error.h"
#include "orchestrator/api/router.h"

namespace mm::api {
namespace {

// The throughput of one copy: the query, else --throughput-file, else the planner's assumption.
void choose_throughput(const ParsedTarget& t, const std::string& throughput_file,
                       bench::PlanOptions& o) {
  if (const auto it = t.query.find("throughput"); it != t.query.end()) {
    std::string v = it->second;
    if (v.ends_with("/s")) v.resize(v.size() - 2);
    uint64_t bps = 0;
    try {
      bps = bench::parse_size(v, "throughput");
    } catch (const std::exception&) {
      bps = 0;
    }
    if (bps == 0) {
      throw ApiError(400, "invalid throughput \"" + it->second +
                              "\": want bytes per second (e.g. 104857600 or 100M)");
    }
    bench::use_given_throughput(o, static_cast<double>(bps), "?throughput=");
    return;
  }
  if (throughput_file.empty()) {
    bench::use_assumed_throughput(o, "migration-managerd has no --throughput-file");
    return;
  }
  try {
    bench::use_measured_throughput(o, bench::load_measurements(throughput_file), throughput_file);
  } catch (const std::exception& e) {
    bench::use_assumed_throughput(
        o, std::string("--throughput-file ") + throughput_file + " is unusable: " + e.what());
  }
}

}  // namespace

Response handle_batch_plan(const Request& req, const ParsedTarget& t, const PlanGetter& get,
                           const std::string& throughput_file) {
  if (t.segments.size() != 4) throw ApiError(404, "not found");
  if (req.method != "GET") return method_not_allowed("GET");
  const std::string& name = t.segments[2];
  bench::PlanOptions o;
  o.now = std::chrono::system_clock::now();
  choose_throughput(t, throughput_file, o);
  // An unknown batch is the first GET's 404, which goes through as it is.
  const nlohmann::json bundle = bench::assemble_plan_bundle(name, get);
  try {
    return sync_response(
        bench::plan_to_json(bench::make_plan(bench::plan_input_from_json(bundle), o)));
  } catch (const std::exception& e) {
    throw ApiError(500, "cannot plan batch \"" + name + "\": " + e.what());
  }
}

}  // namespace mm::api
