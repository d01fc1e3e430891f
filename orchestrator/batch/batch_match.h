#pragma once
// Which inventory instances an include expression selects: evaluated on each instance's effective
// view (its overrides applied, plus source and source_type, as GET
// /1.0/instances?include_expression= sees it), instances marked missing skipped, in `instance list`
// order. Used by `batch info` and by the scheduler.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "orchestrator/expr/program.h"
#include "orchestrator/state/store.h"

namespace mm::batch {

// The object include expressions run on for one instance.
nlohmann::json filterable_view(const state::InstanceRecord& r, const std::string& source_name);

// Throws expr::ExprError when the expression fails on an instance (e.g. not a boolean).
std::vector<state::InstanceRecord> matching_instances(state::Store& store,
                                                      const expr::Program& include);
// Compiles `include_expression` first (expr::compile_include; throws expr::ExprError).
std::vector<state::InstanceRecord> matching_instances(state::Store& store,
                                                      const std::string& include_expression);

}  // namespace mm::batch
