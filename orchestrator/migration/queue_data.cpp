#include "orchestrator/migration/queue_data.h"

namespace mm::migration {
namespace {

using nlohmann::json;

template <class T>
void get(const json& j, const char* key, T& out) {
  if (auto it = j.find(key); it != j.end() && !it->is_null()) out = it->get<T>();
}

json disk_json(const DiskState& d) {
  return {{"name", d.name},
          {"backing", d.backing},
          {"device_key", d.device_key},
          {"size", d.capacity},
          {"pool", d.pool},
          {"volume", d.volume},
          {"target_path", d.target_path},
          {"change_id", d.change_id},
          {"pending_change_id", d.pending_change_id},
          {"cycle_done", d.cycle_done},
          {"bytes_done", d.bytes_done},
          {"bytes_total", d.bytes_total},
          {"rate", d.rate},
          {"eta_seconds", d.eta_seconds},
          {"phase", d.phase},
          {"digest", d.digest}};
}

DiskState disk_of(const json& j) {
  DiskState d;
  get(j, "name", d.name);
  get(j, "backing", d.backing);
  get(j, "device_key", d.device_key);
  get(j, "size", d.capacity);
  get(j, "pool", d.pool);
  get(j, "volume", d.volume);
  get(j, "target_path", d.target_path);
  get(j, "change_id", d.change_id);
  get(j, "pending_change_id", d.pending_change_id);
  get(j, "cycle_done", d.cycle_done);
  get(j, "bytes_done", d.bytes_done);
  get(j, "bytes_total", d.bytes_total);
  get(j, "rate", d.rate);
  get(j, "eta_seconds", d.eta_seconds);
  get(j, "phase", d.phase);
  get(j, "digest", d.digest);
  return d;
}

}  // namespace

json to_json(const QueueData& d) {
  json j = json::object();
  if (d.has_window) {
    j["window"] = {{"name", d.window.name},
                   {"start", d.window.start},
                   {"end", d.window.end},
                   {"lockout", d.window.lockout}};
  }
  j["disks"] = json::array();
  for (const DiskState& disk : d.disks) j["disks"].push_back(disk_json(disk));
  j["snapshot"] = d.snapshot;
  j["cycle"] = d.cycle;
  j["created"] = d.created;
  j["source_was_running"] = d.source_was_running;
  j["source_powered_off"] = d.source_powered_off;
  j["last_sync"] = d.last_sync;
  j["final_top_up_done"] = d.final_top_up_done;
  j["post_migration_attempts"] = d.post_migration_attempts;
  j["fingerprint"] = d.fingerprint;
  if (!d.error_reason.empty()) {
    j["error"] = {{"stage", d.error_stage}, {"reason", d.error_reason}};
  }
  j["target"] = d.target;
  j["project"] = d.project;
  j["nic_networks"] = d.nic_networks;
  if (d.cold) {
    j["kind"] = "cold";
    j["inspection"] =
        d.inspection.empty() ? json(nullptr) : json::parse(d.inspection, nullptr, false);
    j["guest_os"] = d.guest_os;
    j["firmware"] = d.firmware;
    j["guest_fixes"] = d.guest_fixes;
  }
  return j;
}

std::string dump_queue_data(const QueueData& d) {
  return to_json(d).dump();
}

QueueData parse_queue_data(const std::string& text) {
  const json j = json::parse(text.empty() ? "{}" : text);
  QueueData d;
  if (auto w = j.find("window"); w != j.end() && w->is_object()) {
    d.has_window = true;
    get(*w, "name", d.window.name);
    get(*w, "start", d.window.start);
    get(*w, "end", d.window.end);
    get(*w, "lockout", d.window.lockout);
  }
  if (auto disks = j.find("disks"); disks != j.end() && disks->is_array()) {
    for (const json& disk : *disks) d.disks.push_back(disk_of(disk));
  }
  get(j, "snapshot", d.snapshot);
  get(j, "cycle", d.cycle);
  get(j, "created", d.created);
  get(j, "source_was_running", d.source_was_running);
  get(j, "source_powered_off", d.source_powered_off);
  get(j, "last_sync", d.last_sync);
  get(j, "final_top_up_done", d.final_top_up_done);
  get(j, "post_migration_attempts", d.post_migration_attempts);
  get(j, "fingerprint", d.fingerprint);
  if (auto e = j.find("error"); e != j.end() && e->is_object()) {
    get(*e, "stage", d.error_stage);
    get(*e, "reason", d.error_reason);
  }
  get(j, "target", d.target);
  get(j, "project", d.project);
  get(j, "nic_networks", d.nic_networks);
  d.cold = j.value("kind", std::string()) == "cold";
  if (auto i = j.find("inspection"); i != j.end() && i->is_object()) d.inspection = i->dump();
  get(j, "guest_os", d.guest_os);
  get(j, "firmware", d.firmware);
  get(j, "guest_fixes", d.guest_fixes);
  return d;
}

}  // namespace mm::migration
