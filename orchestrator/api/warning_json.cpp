#include "orchestrator/api/warning_json.h"

#include "orchestrator/api/json_fields.h"

namespace mm::api {

nlohmann::json warning_to_json(const state::WarningRecord& w) {
  return {{"status", w.status},
          {"uuid", w.uuid},
          {"scope", {{"scope", w.scope}, {"entity_type", w.entity_type}, {"entity", w.entity}}},
          {"type", w.type},
          {"first_seen_date", w.first_seen_date},
          {"last_seen_date", w.last_seen_date},
          {"updated_date", w.updated_date},
          {"messages", w.messages},
          {"count", w.count}};
}

std::string parse_warning_status(std::string_view body) {
  const nlohmann::json j = parse_body_object(body);
  check_keys(j,
             {"status", "uuid", "scope", "type", "first_seen_date", "last_seen_date",
              "updated_date", "messages", "count"},
             "");
  const std::string status = req_string(j, "status", "");
  if (status != "new" && status != "acknowledged") {
    bad_field("", "status", "must be \"new\" or \"acknowledged\"");
  }
  return status;
}

}  // namespace mm::api
