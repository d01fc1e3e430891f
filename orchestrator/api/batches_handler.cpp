// /1.0/batches (names; ?recursion=1 objects), /1.0/batches/{name} (GET, PUT, DELETE), the batch's
// matched instances (/instances) and queue entries (/queue), and the state changes
// POST /1.0/batches/{name}/:start | :stop | :reset. The scheduler owns everything after a start;
// these routes only move the batch's status and then wake it.
#include <map>
#include <set>

#include "common/percent_encoding.h"
#include "orchestrator/api/api_error.h"
#include "orchestrator/api/instance_json.h"
#include "orchestrator/api/json_fields.h"
#include "orchestrator/api/queue_json.h"
#include "orchestrator/api/router.h"
#include "orchestrator/batch/batch_json.h"
#include "orchestrator/batch/batch_match.h"
#include "orchestrator/batch/batch_validate.h"
#include "orchestrator/expr/error.h"
#include "orchestrator/inventory/clock.h"
#include "orchestrator/migration/queue_control.h"

namespace mm::api {
namespace {

using nlohmann::json;

std::string batch_path(const std::string& name) {
  return "/1.0/batches/" + mm::percent_encode(name);
}

bool recursion(const ParsedTarget& t) {
  const auto it = t.query.find("recursion");
  return it != t.query.end() && it->second != "0" && !it->second.empty();
}

state::BatchRecord batch_or_404(state::Store& store, const std::string& name) {
  auto r = store.get_batch(name);
  if (!r) throw ApiError(404, "batch \"" + name + "\" not found");
  return *r;
}

// A request body as a checked batch: every BatchError is a 400 naming the field.
batch::BatchConfig parse_batch(const std::string& body, state::Store& store) {
  batch::BatchConfig b;
  try {
    b = batch::batch_from_json_text(body);
    batch::validate_batch(b);
    check_name(b.name, "name");
  } catch (const batch::BatchError& e) {
    throw ApiError(400, e.what());
  }
  const std::string& target = b.placement.target;
  if (!target.empty() && !store.get_target(target)) {
    throw ApiError(400, "defaults.placement.target: target \"" + target + "\" does not exist");
  }
  return b;
}

state::BatchRecord to_record(const batch::BatchConfig& b) {
  state::BatchRecord r;
  r.name = b.name;
  r.config = batch::batch_to_json(b).dump();
  return r;
}

void wake(migration::QueueControl* control) {
  if (control) control->wake();
}

// Removes the batch's queue entries and their event logs (reset and delete).
void drop_queue(state::Store& store, int64_t batch_id) {
  for (const auto& q : store.list_queue_for_batch(batch_id)) {
    store.delete_queue_entry(q.instance_uuid);
    store.delete_queue_events(q.instance_uuid);
  }
}

Response list_batches(const ParsedTarget& t, state::Store& store) {
  const bool full = recursion(t);
  json out = json::array();
  for (const auto& r : store.list_batches()) {
    out.push_back(full ? batch::batch_record_to_json(r) : json(batch_path(r.name)));
  }
  return sync_response(out);
}

Response create_batch(const Request& req, state::Store& store, migration::QueueControl* control) {
  const batch::BatchConfig b = parse_batch(req.body, store);
  state::BatchRecord r = to_record(b);
  r.status = "Defined";
  r.status_message = "Defined";
  const state::BatchRecord created = store.create_batch(r);
  wake(control);
  Response out = sync_response(batch::batch_record_to_json(created), 201);
  out.headers.emplace_back("Location", batch_path(created.name));
  return out;
}

Response update_batch(const Request& req, const state::BatchRecord& current, state::Store& store,
                      migration::QueueControl* control) {
  const batch::BatchConfig b = parse_batch(req.body, store);
  if (current.status != "Defined") {
    const batch::BatchConfig before = batch::config_of(current);
    if (b.include_expression != before.include_expression) {
      throw ApiError(400,
                     "include_expression: cannot be changed once the batch has started "
                     "(status " +
                         current.status + "); reset the batch first");
    }
  }
  const state::BatchRecord updated = store.update_batch(current.name, to_record(b));
  wake(control);
  Response out = sync_response(batch::batch_record_to_json(updated));
  out.headers.emplace_back("Location", batch_path(updated.name));
  return out;
}

Response delete_batch(const state::BatchRecord& current, state::Store& store,
                      migration::QueueControl* control) {
  if (current.status == "Queued" || current.status == "Running") {
    throw ApiError(409, "batch \"" + current.name + "\" is " + current.status + ": stop it first");
  }
  drop_queue(store, current.id);
  store.delete_batch(current.name);
  wake(control);
  return sync_response(json::object());
}

// One of :start, :stop, :reset: `from` the statuses it applies to, `to` the new one.
Response change_status(const std::string& action, const state::BatchRecord& current,
                       state::Store& store, migration::QueueControl* control) {
  struct Rule {
    const char* action;
    std::set<std::string> from;
    const char* to;
    const char* verb;
  };
  static const Rule kRules[] = {
      {"start", {"Defined", "Stopped"}, "Queued", "started"},
      {"stop", {"Queued", "Running"}, "Stopped", "stopped"},
      {"reset", {"Stopped", "Finished", "Error"}, "Defined", "reset"},
  };
  for (const Rule& rule : kRules) {
    if (action != rule.action) continue;
    if (!rule.from.count(current.status)) {
      std::string allowed;
      for (const auto& s : rule.from) allowed += (allowed.empty() ? "" : " or ") + s;
      throw ApiError(409, "batch \"" + current.name + "\" cannot be " + rule.verb + ": it is " +
                              current.status + " (must be " + allowed + ")");
    }
    if (action == "start") {
      // The start order decides which batch claims an instance two batches match.
      store.mark_batch_started(current.name, inventory::now_rfc3339());
    }
    if (action == "reset") drop_queue(store, current.id);
    store.set_batch_status(current.id, rule.to, rule.to);
    wake(control);
    return sync_response(batch::batch_record_to_json(batch_or_404(store, current.name)));
  }
  throw ApiError(404, "not found");
}

Response matched_instances(const ParsedTarget& t, const state::BatchRecord& current,
                           state::Store& store) {
  std::vector<state::InstanceRecord> found;
  try {
    found = batch::matching_instances(store, batch::config_of(current).include_expression);
  } catch (const expr::ExprError& e) {
    throw ApiError(400, std::string("include_expression: ") + e.what());
  }
  std::map<int64_t, std::string> sources;
  for (const auto& s : store.list_sources()) sources[s.id] = s.name;
  const bool full = recursion(t);
  json out = json::array();
  for (const auto& r : found) {
    out.push_back(full ? instance_to_json(r, sources[r.source_id])
                       : json("/1.0/instances/" + mm::percent_encode(r.uuid)));
  }
  return sync_response(out);
}

Response batch_queue(const ParsedTarget& t, const state::BatchRecord& current,
                     state::Store& store) {
  const bool full = recursion(t);
  json out = json::array();
  for (const auto& q : store.list_queue_for_batch(current.id)) {
    out.push_back(full ? queue_entry_to_json(q)
                       : json("/1.0/queue/" + mm::percent_encode(q.instance_uuid)));
  }
  return sync_response(out);
}

}  // namespace

Response handle_batches(const Request& req, const ParsedTarget& t, state::Store& store,
                        migration::QueueControl* control) {
  const auto& s = t.segments;
  if (s.size() == 2) {
    if (req.method == "GET") return list_batches(t, store);
    if (req.method == "POST") return create_batch(req, store, control);
    return method_not_allowed("GET, POST");
  }
  if (s.size() < 3 || s.size() > 4) throw ApiError(404, "not found");
  const state::BatchRecord current = batch_or_404(store, s[2]);
  if (s.size() == 3) {
    if (req.method == "GET") return sync_response(batch::batch_record_to_json(current));
    if (req.method == "PUT") return update_batch(req, current, store, control);
    if (req.method == "DELETE") return delete_batch(current, store, control);
    return method_not_allowed("GET, PUT, DELETE");
  }
  const std::string& sub = s[3];
  if (sub == "instances" || sub == "queue") {
    if (req.method != "GET") return method_not_allowed("GET");
    return sub == "instances" ? matched_instances(t, current, store)
                              : batch_queue(t, current, store);
  }
  // The reference CLI posts to ":start"; its older API spelled it "start". Both are accepted.
  const std::string action = !sub.empty() && sub[0] == ':' ? sub.substr(1) : sub;
  if (action != "start" && action != "stop" && action != "reset") {
    throw ApiError(404, "not found");
  }
  if (req.method != "POST") return method_not_allowed("POST");
  return change_status(action, current, store, control);
}

}  // namespace mm::api
