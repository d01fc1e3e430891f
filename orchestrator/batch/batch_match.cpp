#include "orchestrator/batch/batch_match.h"

#include <map>

#include "orchestrator/inventory/instance_view.h"

namespace mm::batch {

nlohmann::json filterable_view(const state::InstanceRecord& r, const std::string& source_name) {
  nlohmann::json v = inventory::instance_view(r, /*with_overrides=*/true);
  v["source"] = source_name;
  v["source_type"] = "vmware";
  v["last_update_from_source"] = r.last_update_from_source;
  return v;
}

std::vector<state::InstanceRecord> matching_instances(state::Store& store,
                                                      const expr::Program& include) {
  std::map<int64_t, std::string> sources;
  for (const auto& s : store.list_sources()) sources[s.id] = s.name;
  std::vector<state::InstanceRecord> out;
  for (auto& r : store.list_instances()) {
    if (r.missing) continue;  // gone from its source: nothing left to migrate
    if (expr::matches_instance(include, filterable_view(r, sources[r.source_id]))) {
      out.push_back(std::move(r));
    }
  }
  return out;
}

std::vector<state::InstanceRecord> matching_instances(state::Store& store,
                                                      const std::string& include_expression) {
  return matching_instances(store, expr::compile_include(include_expression));
}

}  // namespace mm::batch
