#pragma once
// The batch as the REST API carries it, with the reference tool's api.BatchPut field names:
//   {"name", "include_expression",
//    "migration_windows": [{"name", "start", "end", "lockout", "capacity"}],   (times RFC 3339)
//    "constraints": [{"name", "description", "include_expression", "max_concurrent_instances",
//                     "min_instance_boot_time"}],                             (Go durations)
//    "defaults": {"placement": {"target", "target_project", "storage_pool"},
//                 "migration_network": [{"network", "nictype", "vlan_id", "target",
//                                        "target_project"}]},
//    "config": {"rerun_scriptlets", "placement_scriptlet", "post_migration_retries",
//               "instance_restriction_overrides": {"allow_unknown_os", "allow_no_ipv4",
//                                                  "allow_no_background_import"},
//               "background_sync_interval", "final_background_sync_limit"}}
// The full api.Batch adds "status", "status_message" and "start_date" (read only: accepted and
// ignored on the way in). The store keeps the BatchPut form as BatchRecord::config.
#include <string_view>

#include <nlohmann/json.hpp>

#include "orchestrator/batch/batch_config.h"
#include "orchestrator/state/records.h"

namespace mm::batch {

nlohmann::json batch_to_json(const BatchConfig& b);
// Types and field names only (missing fields take their defaults); call validate_batch for the
// rules. Throws BatchError (line 0).
BatchConfig batch_from_json(const nlohmann::json& j);
BatchConfig batch_from_json_text(std::string_view text);

// A stored batch: its config JSON with the name column.
BatchConfig config_of(const state::BatchRecord& r);
// api.Batch: batch_to_json(config_of(r)) + status, status_message, start_date.
nlohmann::json batch_record_to_json(const state::BatchRecord& r);

// Every migration_network entry has exactly these string members.
inline constexpr const char* kMigrationNetworkKeys[] = {"network", "nictype", "vlan_id", "target",
                                                        "target_project"};

}  // namespace mm::batch
