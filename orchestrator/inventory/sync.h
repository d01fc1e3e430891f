#pragma once
// One sync of one source, and one connectivity check of one target, against the state. These run
// on the sync worker (sync_service.h), never on an HTTP thread.
#include <string>

#include "orchestrator/inventory/connectivity.h"
#include "orchestrator/source/source_inventory.h"
#include "orchestrator/state/store.h"
#include "orchestrator/target/target_status.h"

namespace mm::inventory {

// How to reach a stored source or target, secrets decrypted: for the code that connects to it.
source::SourceEndpoint source_endpoint(state::Store& store, const state::SourceRecord& s);
target::TargetEndpoint target_endpoint(state::Store& store, const state::TargetRecord& t);

// Fetches the inventory and records it: status OK, instances and networks upserted, the gone ones
// marked missing, the source's sync warnings replaced by this sync's. On failure the status says
// why, a "Sources are unavailable" warning (or "Instances not imported" for an unclassified error)
// is recorded, and nothing else changes: a failed sync never deletes inventory or other warnings.
ConnectivityResult sync_source(state::Store& store, source::SourceConnector& connector,
                               const std::string& name);

// Checks a target through its client and records the status.
ConnectivityResult check_target(state::Store& store, target::TargetConnector& connector,
                                const std::string& name);

}  // namespace mm::inventory
