#pragma once
// An Inspection as `mm-transfer inspect` prints it: one JSON object (--json) or a short table.
#include <nlohmann/json.hpp>
#include <string>

#include "inspect/inspection.h"

namespace mm::inspect {

nlohmann::json to_json(const Inspection& inspection);
std::string format_table(const Inspection& inspection);

}  // namespace mm::inspect
