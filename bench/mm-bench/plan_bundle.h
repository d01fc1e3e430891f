#pragma once
// Which daemon answers make a plan's bundle (plan_input.h) and how they are put together, behind
// a getter so that `mm-bench plan` (over the CLI's REST client) and migration-managerd's own
// GET /1.0/batches/NAME/plan (through its router, in-process) read exactly the same JSON.
#include <functional>
#include <string>

#include <nlohmann/json.hpp>

namespace mm::bench {

// GET of a path and query under the API ("/1.0/batches/batch01/instances?recursion=1"): the
// answer's metadata. Throws on an error answer (the caller's exception type goes through).
using ApiGetter = std::function<nlohmann::json(const std::string& url)>;

// The bundle for batch `name`: the batch, its matched instances, the sources and targets, its
// queue and, with `events`, each queued instance's event log (paged 1000 at a time).
nlohmann::json assemble_plan_bundle(const std::string& name, const ApiGetter& get,
                                    bool events = true);

}  // namespace mm::bench
