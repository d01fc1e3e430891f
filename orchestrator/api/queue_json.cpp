#include "orchestrator/api/queue_json.h"

namespace mm::api {
namespace {

using nlohmann::json;

// The scheduler writes these columns, but a damaged or older row must still list: anything that
// is not a JSON object reads as an empty one.
json object_or_empty(const std::string& text) {
  json j = json::parse(text, nullptr, false);
  return j.is_object() ? j : json::object();
}

std::string string_member(const json& obj, const char* key) {
  const auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// Only the progress fields: the disk objects in `data` also carry change ids and volume names,
// which are the scheduler's business, not the API's.
json disks_of(const json& data) {
  json out = json::array();
  const auto it = data.find("disks");
  if (it == data.end() || !it->is_array()) return out;
  static const char* const kKeys[] = {"name",        "backing", "size",        "bytes_done",
                                      "bytes_total", "rate",    "eta_seconds", "phase"};
  for (const auto& d : *it) {
    if (!d.is_object()) continue;
    json disk = json::object();
    for (const char* k : kKeys) {
      if (d.contains(k)) disk[k] = d[k];
    }
    out.push_back(std::move(disk));
  }
  return out;
}

json window_of(const json& data) {
  const auto it = data.find("window");
  if (it == data.end() || !it->is_object()) return nullptr;
  return json{{"name", string_member(*it, "name")},
              {"start", string_member(*it, "start")},
              {"end", string_member(*it, "end")},
              {"lockout", string_member(*it, "lockout")}};
}

json error_of(const json& data) {
  const auto it = data.find("error");
  if (it == data.end() || !it->is_object()) return nullptr;
  return json{{"stage", string_member(*it, "stage")}, {"reason", string_member(*it, "reason")}};
}

}  // namespace

json queue_entry_to_json(const state::QueueRecord& q) {
  const json data = object_or_empty(q.data);
  json out{{"instance_uuid", q.instance_uuid},
           {"instance_name", q.instance_name},
           {"batch_name", q.batch_name},
           {"migration_status", q.status},
           {"migration_status_message", q.status_message},
           {"last_update", q.last_update},
           {"migration_window", window_of(data)},
           {"placement", object_or_empty(q.placement)},
           {"stage", q.stage},
           {"disks", disks_of(data)},
           {"error", error_of(data)}};
  // Cold migrations also show what the inspection found and what guest fixes did (only then: the
  // warm entries keep the reference's shape).
  if (string_member(data, "kind") == "cold") {
    out["kind"] = "cold";
    for (const char* k : {"guest_os", "firmware", "guest_fixes"}) out[k] = string_member(data, k);
    const auto it = data.find("inspection");
    out["inspection"] = it != data.end() && it->is_object() ? *it : json(nullptr);
  }
  return out;
}

json queue_event_to_json(const state::QueueEventRecord& e) {
  return json{{"id", e.id},
              {"instance_uuid", e.instance_uuid},
              {"instance_name", e.instance_name},
              {"batch", e.batch},
              {"time", e.time},
              {"type", e.type},
              {"message", e.message},
              {"data", object_or_empty(e.data)}};
}

}  // namespace mm::api
