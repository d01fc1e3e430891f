#include "bench/mm-bench/plan_input.h"

#include <algorithm>
#include <stdexcept>

#include "orchestrator/batch/batch_json.h"
#include "orchestrator/batch/window_time.h"

namespace mm::bench {
namespace {

using nlohmann::json;

[[noreturn]] void bad(const std::string& where, const std::string& problem) {
  throw std::invalid_argument("plan input: " + where + ": " + problem);
}

const json* member(const json& obj, const char* key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  return it == obj.end() || it->is_null() ? nullptr : &*it;
}

std::string text(const json& obj, const char* key, const std::string& where) {
  const json* v = member(obj, key);
  if (!v) return "";
  if (!v->is_string()) bad(where + "." + key, "must be a string");
  return v->get<std::string>();
}

bool flag(const json& obj, const char* key, const std::string& where) {
  const json* v = member(obj, key);
  if (!v) return false;
  if (!v->is_boolean()) bad(where + "." + key, "must be a boolean");
  return v->get<bool>();
}

std::optional<int64_t> integer(const json& obj, const char* key, const std::string& where) {
  const json* v = member(obj, key);
  if (!v) return std::nullopt;
  if (!v->is_number_integer()) bad(where + "." + key, "must be an integer");
  if (v->is_number_unsigned() && v->get<uint64_t>() > uint64_t{INT64_MAX}) {
    bad(where + "." + key, "is too large");
  }
  const int64_t n = v->get<int64_t>();
  if (n < 0) bad(where + "." + key, "must be >= 0");
  return n;
}

const json& list(const json& bundle, const char* key) {
  static const json empty = json::array();
  const json* v = member(bundle, key);
  if (!v) return empty;
  if (!v->is_array()) bad(key, "must be an array");
  return *v;
}

const json& object(const json& obj, const char* key, const std::string& where) {
  static const json empty = json::object();
  const json* v = member(obj, key);
  if (!v) return empty;
  if (!v->is_object()) bad(where + "." + key, "must be an object");
  return *v;
}

InstanceInput instance_from_json(const json& j, const std::string& where) {
  if (!j.is_object()) bad(where, "must be an object (ask with ?recursion=1)");
  InstanceInput i;
  const json& p = object(j, "properties", where);
  const std::string pw = where + ".properties";
  i.uuid = text(p, "uuid", pw);
  if (i.uuid.empty()) bad(pw + ".uuid", "is required");
  i.name = text(p, "name", pw);
  i.location = text(p, "location", pw);
  i.source = text(j, "source", where);
  i.background_import = flag(p, "background_import", pw);
  i.running = flag(p, "running", pw);
  i.missing = flag(j, "missing", where);
  const json* disks = member(p, "disks");
  if (disks && !disks->is_array()) bad(pw + ".disks", "must be an array");
  if (disks) {
    for (size_t k = 0; k < disks->size(); ++k) {
      const std::string dw = pw + ".disks[" + std::to_string(k) + "]";
      const json& d = (*disks)[k];
      if (!d.is_object()) bad(dw, "must be an object");
      DiskInput di;
      di.name = text(d, "name", dw);
      di.capacity = integer(d, "capacity", dw).value_or(0);
      di.allocated = integer(d, "allocated", dw);
      (void)flag(d, "supported", dw);  // the restriction check reads it
      if (di.allocated && *di.allocated > di.capacity) di.allocated = di.capacity;
      i.disks.push_back(std::move(di));
    }
  }
  // The restriction check (inventory::restriction) reads these: their types are checked here.
  if (const json* nics = member(p, "nics")) {
    if (!nics->is_array()) bad(pw + ".nics", "must be an array");
    for (size_t k = 0; k < nics->size(); ++k) {
      const std::string nw = pw + ".nics[" + std::to_string(k) + "]";
      if (!(*nics)[k].is_object()) bad(nw, "must be an object");
      (void)text((*nics)[k], "ipv4_address", nw);
    }
  }
  i.view = p;
  i.view["source"] = i.source;
  i.view["source_type"] = j.contains("source_type") && j["source_type"].is_string()
                              ? j["source_type"].get<std::string>()
                              : std::string("vmware");
  if (const json* o = member(j, "overrides")) {
    if (!o->is_object()) bad(where + ".overrides", "must be an object");
    i.override_ = inventory::instance_override_from_stored(o->dump());
  }
  return i;
}

TimePoint time_of(const json& obj, const char* key, const std::string& where) {
  const std::string s = text(obj, key, where);
  const auto t = batch::parse_window_time(s);
  if (!t) bad(where + "." + key, "\"" + s + "\" is not an RFC 3339 time");
  return *t;
}

}  // namespace

PlanInput plan_input_from_json(const json& bundle) {
  if (!bundle.is_object()) bad("bundle", "must be a JSON object");
  PlanInput in;
  const json* b = member(bundle, "batch");
  if (!b || !b->is_object()) bad("batch", "is required (GET /1.0/batches/NAME)");
  try {
    in.batch = batch::batch_from_json(*b);
  } catch (const nlohmann::json::exception& e) {
    bad("batch", e.what());
  } catch (const std::invalid_argument& e) {
    bad("batch", e.what());
  }
  in.batch_status = text(*b, "status", "batch");
  if (const std::string sd = text(*b, "start_date", "batch"); !sd.empty()) {
    if (auto t = batch::parse_window_time(sd);
        t && batch::is_set(*t) && !sd.starts_with("0001-01-01")) {
      in.start_date = *t;
    }
  }

  const json& instances = list(bundle, "instances");
  for (size_t k = 0; k < instances.size(); ++k) {
    in.instances.push_back(
        instance_from_json(instances[k], "instances[" + std::to_string(k) + "]"));
  }
  std::sort(in.instances.begin(), in.instances.end(),
            [](const InstanceInput& a, const InstanceInput& b) { return a.uuid < b.uuid; });

  const json& sources = list(bundle, "sources");
  for (size_t k = 0; k < sources.size(); ++k) {
    const std::string w = "sources[" + std::to_string(k) + "]";
    if (!sources[k].is_object()) bad(w, "must be an object (ask with ?recursion=1)");
    const json& p = object(sources[k], "properties", w);
    in.source_import_limit[text(sources[k], "name", w)] =
        std::max<int64_t>(1, integer(p, "import_limit", w + ".properties").value_or(50));
  }
  const json& targets = list(bundle, "targets");
  for (size_t k = 0; k < targets.size(); ++k) {
    const std::string w = "targets[" + std::to_string(k) + "]";
    if (!targets[k].is_object()) bad(w, "must be an object (ask with ?recursion=1)");
    const json& p = object(targets[k], "properties", w);
    TargetLimits l;
    l.import_limit =
        std::max<int64_t>(1, integer(p, "import_limit", w + ".properties").value_or(50));
    l.create_limit =
        std::max<int64_t>(1, integer(p, "create_limit", w + ".properties").value_or(10));
    in.targets[text(targets[k], "name", w)] = l;
  }

  const json& queue = list(bundle, "queue");
  for (size_t k = 0; k < queue.size(); ++k) {
    const std::string w = "queue[" + std::to_string(k) + "]";
    if (!queue[k].is_object()) bad(w, "must be an object (ask with ?recursion=1)");
    const std::string uuid = text(queue[k], "instance_uuid", w);
    for (InstanceInput& i : in.instances) {
      if (i.uuid != uuid) continue;
      i.stage = text(queue[k], "stage", w);
      i.placed_target = text(object(queue[k], "placement", w), "target", w + ".placement");
    }
  }

  const json& events = list(bundle, "events");
  for (size_t k = 0; k < events.size(); ++k) {
    const std::string w = "events[" + std::to_string(k) + "]";
    if (!events[k].is_object()) bad(w, "must be an object");
    QueueEvent e;
    e.id = integer(events[k], "id", w).value_or(0);
    e.instance_uuid = text(events[k], "instance_uuid", w);
    e.time = time_of(events[k], "time", w);
    e.type = text(events[k], "type", w);
    e.message = text(events[k], "message", w);
    if (const json* d = member(events[k], "data")) {
      if (!d->is_object()) bad(w + ".data", "must be an object");
      e.data = *d;
    } else {
      e.data = json::object();
    }
    in.events.push_back(std::move(e));
  }
  std::stable_sort(in.events.begin(), in.events.end(),
                   [](const QueueEvent& a, const QueueEvent& b) { return a.id < b.id; });
  return in;
}

PlanInput parse_plan_input(std::string_view text) {
  const json j = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) throw std::invalid_argument("plan input: not valid JSON");
  return plan_input_from_json(j);
}

}  // namespace mm::bench
