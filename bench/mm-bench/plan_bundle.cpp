#include "bench/mm-bench/plan_bundle.h"

#include <cstdint>

#include "common/percent_encoding.h"

namespace mm::bench {

nlohmann::json assemble_plan_bundle(const std::string& name, const ApiGetter& get, bool events) {
  const std::string b = "/1.0/batches/" + percent_encode(name);
  nlohmann::json bundle;
  bundle["batch"] = get(b);
  bundle["instances"] = get(b + "/instances?recursion=1");
  bundle["sources"] = get("/1.0/sources?recursion=1");
  bundle["targets"] = get("/1.0/targets?recursion=1");
  bundle["queue"] = get(b + "/queue?recursion=1");
  bundle["events"] = nlohmann::json::array();
  if (!events || !bundle["queue"].is_array()) return bundle;
  for (const auto& q : bundle["queue"]) {
    if (!q.is_object() || !q.contains("instance_uuid") || !q["instance_uuid"].is_string()) {
      continue;
    }
    const std::string uuid = q["instance_uuid"].get<std::string>();
    // At most 1000 events per answer: page on with the last id.
    int64_t after = 0;
    for (;;) {
      const nlohmann::json page =
          get("/1.0/queue/" + percent_encode(uuid) + "/events?after=" + std::to_string(after));
      if (!page.is_array() || page.empty()) break;
      for (const auto& e : page) bundle["events"].push_back(e);
      const nlohmann::json& last_event = page.back();
      const int64_t last = last_event.is_object() && last_event.contains("id") &&
                                   last_event["id"].is_number_integer()
                               ? last_event["id"].get<int64_t>()
                               : int64_t{0};
      if (last <= after || page.size() < 1000) break;
      after = last;
    }
  }
  return bundle;
}

}  // namespace mm::bench
