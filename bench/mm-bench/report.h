#pragma once
// `mm-bench report`: what the queue events say each stage took, next to what a plan made before
// the batch started predicted (plan_to_json's output), with the error of each prediction.
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "bench/mm-bench/plan_input.h"

namespace mm::bench {

struct StageComparison {
  std::string instance, stage;  // background_import, top_up (mean), final_top_up, downtime, total
  std::optional<double> predicted, measured;  // seconds
};

struct Report {
  std::vector<StageComparison> rows;
  std::optional<double> worst_error;  // the largest |measured - predicted| / measured
};

// `plan` may be null (measured durations only). Throws std::invalid_argument on a plan that is
// not plan_to_json's shape.
Report make_report(const PlanInput& in, const nlohmann::json& plan);
std::string report_table(const Report& r);
nlohmann::json report_to_json(const Report& r);

}  // namespace mm::bench
