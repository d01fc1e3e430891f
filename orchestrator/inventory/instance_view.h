#pragma once
// An instance row as the reference tool's api.InstanceProperties (flattened, as api.Instance embeds
// it), with or without the user's overrides applied; and the reason, if any, that the instance may
// not be migrated (the reference's DisabledReason).
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "orchestrator/inventory/overrides.h"
#include "orchestrator/state/records.h"

namespace mm::inventory {

// {"uuid", "source_specific_id", "name", "description", "cpus", "memory", "config", "os",
//  "os_version", "architecture", "location", "secure_boot", "legacy_boot", "tpm", "running",
//  "background_import", "nics": [...], "disks": [...], "snapshots": [...]}
nlohmann::json instance_view(const state::InstanceRecord& r, bool with_overrides);

// "Migration is manually disabled", "Could not determine instance OS, check if guest agent is
// running", "Could not determine instance IP, check if guest agent is running", "Background import
// is not supported", "Disk \"NAME\" does not support snapshots"; nullopt: migratable.
// A batch's instance_restriction_overrides lift the matching restrictions.
struct RestrictionAllowances {
  bool allow_unknown_os = false;
  bool allow_no_ipv4 = false;
  bool allow_no_background_import = false;
};
std::optional<std::string> restriction(const nlohmann::json& effective_view,
                                       const InstanceOverride& o,
                                       const RestrictionAllowances& allow = {});

}  // namespace mm::inventory
