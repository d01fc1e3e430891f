#include "orchestrator/api/router.h"

#include "orchestrator/api/api_error.h"

namespace mm::api {

Response method_not_allowed(const char* allow) {
  Response r = error_response(405, "method not allowed");
  r.headers.emplace_back("Allow", allow);
  return r;
}

Response Router::handle(const Request& req) noexcept {
  try {
    return dispatch(req);
  } catch (const ApiError& e) {
    return error_response(e.status(), e.what());
  } catch (const state::StoreError& e) {
    return error_response(e.kind() == state::StoreError::Kind::kNotFound ? 404 : 409, e.what());
  } catch (...) {
    // Internal details (SQL, OpenSSL) stay out of answers: they help an attacker, not a user.
    try {
      return error_response(500, "internal server error");
    } catch (...) {
      return Response{
          500, R"({"type":"error","error":"internal server error","error_code":500})", {}};
    }
  }
}

Response Router::dispatch(const Request& req) {
  // Trust first: an untrusted client learns nothing, not even the size limit.
  if (!req.trusted) throw ApiError(403, "not authorized: client certificate is not trusted");
  // Checked here as well as in the transport, so the limit holds whoever calls the router.
  if (req.body.size() > kMaxBodyBytes) throw ApiError(413, "request body too large");
  const ParsedTarget t = parse_request_target(req.target);
  if (!t.ok) throw ApiError(400, "malformed percent-encoding in request path");
  const auto& s = t.segments;
  if (s.empty()) {
    if (req.method != "GET") return method_not_allowed("GET");
    return sync_response(nlohmann::json::array({"/1.0"}));
  }
  if (s[0] != "1.0") throw ApiError(404, "not found");
  if (s.size() == 1) return handle_server(req, info_);
  if (s[1] == "sources") return handle_sources(req, t, store_, connectivity_);
  if (s[1] == "targets") return handle_targets(req, t, store_, connectivity_);
  if (s[1] == "instances") return handle_instances(req, t, store_);
  if (s[1] == "networks") return handle_networks(req, t, store_);
  if (s[1] == "warnings") return handle_warnings(req, t, store_);
  if (s[1] == "certificates") return handle_certificates(req, t, store_);
  if (s[1] == "queue") return handle_queue(req, t, store_, queue_control_);
  if (s[1] == "batches") return handle_batches(req, t, store_, queue_control_);
  throw ApiError(404, "not found");
}

}  // namespace mm::api
