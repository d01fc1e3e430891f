#pragma once
// Queue entries and queue events as JSON. The entry follows the reference tool's api.QueueEntry
//   {"instance_uuid", "instance_name", "batch_name", "migration_status",
//    "migration_status_message", "last_update", "migration_window": {name, start, end, lockout}
//    or null, "placement": {...}}
// plus what this daemon adds from the scheduler's data column: "stage", "disks" (per-disk
// progress) and "error" ({stage, reason} or null). Events:
//   {"id", "instance_uuid", "instance_name", "batch", "time", "type", "message", "data": {...}}
#include <nlohmann/json.hpp>

#include "orchestrator/state/records.h"

namespace mm::api {

nlohmann::json queue_entry_to_json(const state::QueueRecord& q);
nlohmann::json queue_event_to_json(const state::QueueEventRecord& e);

}  // namespace mm::api
