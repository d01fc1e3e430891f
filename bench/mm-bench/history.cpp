#include "bench/mm-bench/history.h"

#include <chrono>

namespace mm::bench {
namespace {

// "top_up.started" -> {"top_up", "started"}
std::pair<std::string, std::string> split_type(const std::string& type) {
  const size_t dot = type.rfind('.');
  if (dot == std::string::npos) return {type, ""};
  return {type.substr(0, dot), type.substr(dot + 1)};
}

int64_t json_int(const nlohmann::json& d, const char* key) {
  auto it = d.find(key);
  if (it == d.end() || !it->is_number_integer()) return -1;
  return it->get<int64_t>();
}

}  // namespace

std::map<std::string, InstanceHistory> history_from_events(const std::vector<QueueEvent>& events) {
  std::map<std::string, InstanceHistory> out;
  // Per instance, the cycle in progress and its disks' completed sizes.
  std::map<std::string, std::map<std::string, int64_t>> disk_bytes;
  for (const QueueEvent& e : events) {
    InstanceHistory& h = out[e.instance_uuid];
    const auto [stage, what] = split_type(e.type);
    const bool copy_stage =
        stage == "background_import" || stage == "top_up" || stage == "final_import";
    if (e.type == "created") {
      h.created = e.time;
    } else if (e.type == "placement") {
      h.cycles.push_back({"create", e.time, std::nullopt, 0, false});
    } else if (e.type == "target.created") {
      if (!h.cycles.empty() && h.cycles.back().kind == "create") h.cycles.back().completed = e.time;
    } else if (e.type == "source.powered_off") {
      h.powered_off = e.time;
    } else if (copy_stage && what == "started") {
      Cycle c{stage, e.time, std::nullopt, 0, false};
      c.final_top_up = stage == "top_up" && e.message.starts_with("Final top-up");
      h.cycles.push_back(c);
      disk_bytes[e.instance_uuid].clear();
    } else if (copy_stage && what == "progress") {
      // A disk's last progress line with everything done carries its size for this cycle; the
      // first line of each disk (0 of the capacity) does not count.
      const int64_t done = json_int(e.data, "bytes_done");
      const int64_t total = json_int(e.data, "bytes_total");
      auto disk = e.data.find("disk");
      if (done > 0 && done == total && disk != e.data.end() && disk->is_string()) {
        disk_bytes[e.instance_uuid][disk->get<std::string>()] = total;
      }
    } else if (copy_stage && what == "completed") {
      if (!h.cycles.empty() && h.cycles.back().kind == stage && !h.cycles.back().completed) {
        Cycle& c = h.cycles.back();
        c.completed = e.time;
        for (const auto& [name, bytes] : disk_bytes[e.instance_uuid]) c.bytes += bytes;
      }
    } else if (e.type == "post_migration.started") {
      h.cycles.push_back({"post_migration", e.time, std::nullopt, 0, false});
    } else if (e.type == "finished") {
      h.finished = e.time;
      if (!h.cycles.empty() && h.cycles.back().kind == "post_migration") {
        h.cycles.back().completed = e.time;
      }
    }
  }
  for (auto& [uuid, h] : out) {
    double bytes = 0, seconds = 0;
    const Cycle* previous = nullptr;
    for (const Cycle& c : h.cycles) {
      const bool copy =
          c.kind == "background_import" || c.kind == "top_up" || c.kind == "final_import";
      if (!copy || !c.completed) continue;
      if (previous && c.kind != "background_import") {
        const double span = std::chrono::duration<double>(c.started - previous->started).count();
        if (span > 0) {
          bytes += static_cast<double>(c.bytes);
          seconds += span;
          ++h.change_rate_samples;
        }
      }
      previous = &c;
    }
    if (seconds > 0) h.change_rate = bytes / seconds;
  }
  return out;
}

}  // namespace mm::bench
