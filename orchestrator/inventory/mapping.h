#pragma once
// One source's inventory turned into the rows to write and the warnings to show, as a pure
// function of what the source reported and what the state already holds (so it is unit-tested
// without a database or a source).
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "orchestrator/source/source_inventory.h"
#include "orchestrator/state/records.h"

namespace mm::inventory {

struct SyncPlan {
  std::vector<state::InstanceRecord> instances;  // to upsert (override columns untouched)
  std::vector<state::NetworkRecord> networks;    // to upsert; uuids kept for known networks
  std::vector<std::string> instance_uuids;       // the source's instances still present
  std::vector<std::string> network_ids;          // the source's networks still present
  // At most one per type, scope sync / entity type source / entity the source name, messages in
  // inventory order.
  std::vector<state::WarningRecord> warnings;
};

// `existing_*` are all rows (every source): used to keep network uuids and IP addresses or OS
// fields the guest agent no longer reports, and to refuse a UUID another source already owns.
// `source_names` maps source ids to names for those messages.
SyncPlan plan_sync(const source::Inventory& inv, const state::SourceRecord& src,
                   const std::vector<state::InstanceRecord>& existing_instances,
                   const std::vector<state::NetworkRecord>& existing_networks,
                   const std::map<int64_t, std::string>& source_names, const std::string& now);

// A disk can be migrated with snapshots (and so background import) unless it is independent,
// shared or a raw device mapping.
bool disk_supported(const source::DiskInfo& d);

}  // namespace mm::inventory
