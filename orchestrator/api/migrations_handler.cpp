// POST /1.0/migrations: a one-off cold migration of one instance (docs/cold-migration.md). It
// becomes an implicit batch "cold-NAME" (kind cold, include expression matching that instance,
// placement from the request, no window) that is started at once, so the migration runs through the
// same queue, limits and events as every batch. POST /1.0/preflight: the verdicts of
// docs/preflight.md, computed by the daemon's PreflightService.
#include "common/percent_encoding.h"
#include "orchestrator/api/api_error.h"
#include "orchestrator/api/router.h"
#include "orchestrator/batch/batch_json.h"
#include "orchestrator/inventory/clock.h"
#include "orchestrator/migration/cold_request.h"
#include "orchestrator/migration/preflight_service.h"
#include "orchestrator/migration/queue_control.h"

namespace mm::api {
namespace {

using nlohmann::json;

json body_json(const Request& req) {
  json j = json::parse(req.body, nullptr, false);
  if (j.is_discarded()) throw ApiError(400, "the body is not valid JSON");
  return j;
}

Response start_cold(const Request& req, state::Store& store, migration::QueueControl* control) {
  migration::ColdRequest r;
  state::InstanceRecord inst;
  batch::BatchConfig cfg;
  try {
    r = migration::parse_cold_request(body_json(req));
    inst = migration::find_instance(store, r.instance);
    if (!store.get_target(r.target)) {
      throw std::invalid_argument("target: target \"" + r.target + "\" does not exist");
    }
    cfg = migration::cold_batch(r, inst, store.list_networks());
  } catch (const std::invalid_argument& e) {
    const std::string what = e.what();
    throw ApiError(what.find("not found") != std::string::npos ? 404 : 400, what);
  }
  if (auto q = store.get_queue_entry(inst.uuid)) {
    throw ApiError(409, "instance \"" + inst.name + "\" is already in the queue of batch \"" +
                            q->batch_name + "\" (" + q->status + ")");
  }
  if (store.get_batch(cfg.name)) {
    throw ApiError(409, "batch \"" + cfg.name +
                            "\" already exists: remove it (batch remove) before migrating again");
  }
  state::BatchRecord rec;
  rec.name = cfg.name;
  rec.config = batch::batch_to_json(cfg).dump();
  rec.status = "Defined";
  rec.status_message = "Defined";
  store.create_batch(rec);
  store.mark_batch_started(cfg.name, inventory::now_rfc3339());
  const auto created = store.get_batch(cfg.name);
  store.set_batch_status(created->id, "Queued", "Queued");
  if (control) control->wake();
  Response out = sync_response({{"batch", cfg.name},
                                {"instance_uuid", inst.uuid},
                                {"instance_name", inst.name},
                                {"kind", "cold"},
                                {"queue", "/1.0/queue/" + mm::percent_encode(inst.uuid)}},
                               201);
  out.headers.emplace_back("Location", "/1.0/queue/" + mm::percent_encode(inst.uuid));
  return out;
}

}  // namespace

Response handle_migrations(const Request& req, const ParsedTarget& t, state::Store& store,
                           migration::QueueControl* control) {
  if (t.segments.size() != 2) throw ApiError(404, "not found");
  if (req.method != "POST") return method_not_allowed("POST");
  return start_cold(req, store, control);
}

Response handle_preflight(const Request& req, const ParsedTarget& t,
                          migration::PreflightService* preflight) {
  if (t.segments.size() != 2) throw ApiError(404, "not found");
  if (req.method != "POST") return method_not_allowed("POST");
  const json body = body_json(req);
  if (!preflight) throw ApiError(503, "preflight is not available: no target clients");
  try {
    return sync_response(preflight->run(body));
  } catch (const std::invalid_argument& e) {
    throw ApiError(400, e.what());
  }
}

}  // namespace mm::api
