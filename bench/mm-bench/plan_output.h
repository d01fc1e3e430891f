#pragma once
// A plan as the user reads it (a table per instance, then the assumptions) and as JSON.
#include <string>

#include <nlohmann/json.hpp>

#include "bench/mm-bench/planner.h"

namespace mm::bench {

std::string plan_table(const Plan& plan);
nlohmann::json plan_to_json(const Plan& plan);
// A Gantt-like chart: one row per instance, its stages as bars, the windows shaded.
std::string plan_svg(const Plan& plan);

}  // namespace mm::bench
