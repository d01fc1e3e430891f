#pragma once
// Warnings as JSON, shaped like the reference tool's api.Warning:
//   {"status": "new", "uuid": "...", "scope": {"scope": "sync", "entity_type": "source",
//    "entity": "esxi01"}, "type": "Instances partially imported", "first_seen_date": "...",
//    "last_seen_date": "...", "updated_date": "...", "messages": ["..."], "count": 12}
// Update bodies are api.WarningPut, {"status": "acknowledged"} (status new | acknowledged); the
// read-only fields of a whole warning are accepted and ignored so a GET can be sent back.
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "orchestrator/state/records.h"

namespace mm::api {

nlohmann::json warning_to_json(const state::WarningRecord& w);
std::string parse_warning_status(std::string_view body);

}  // namespace mm::api
