#pragma once
// The batch as YAML, in the reference documents' layout (what `batch edit` shows and reads):
//
//   name: batch01
//   include_expression: "..."
//   migration_windows:
//     - name: window1
//       start: 2025-12-01 01:00:00
//       end: 2025-12-01 01:10:00
//   constraints: []
//   defaults:
//       placement: {target, target_project, storage_pool}
//       migration_network: []
//   config: {rerun_scriptlets, placement_scriptlet, post_migration_retries,
//            instance_restriction_overrides {...}, background_sync_interval,
//            final_background_sync_limit}
#include <string>
#include <string_view>

#include "orchestrator/batch/batch_config.h"

namespace mm::batch {

// Parses and validates (validate_batch). Missing fields take their defaults; unknown or
// duplicated fields, wrong types and broken rules throw BatchError with the field path and line.
BatchConfig parse_batch_yaml(std::string_view text);

// The document for `b`; parse_batch_yaml(batch_to_yaml(b)) == b for any valid `b`.
std::string batch_to_yaml(const BatchConfig& b);

// A duration in the short form the documents use: "1h", "10m", "1h30m", "90ms", "0s".
std::string format_short_duration(std::chrono::nanoseconds d);

}  // namespace mm::batch
