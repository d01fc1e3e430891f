#include "orchestrator/api/router.h"

#include "orchestrator/api/api_error.h"
#include "orchestrator/api/static_files.h"
#include "orchestrator/artifacts/artifact_files.h"
#include "orchestrator/artifacts/artifact_meta.h"

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
  } catch (const artifacts::ArtifactError& e) {
    return error_response(400, e.what());
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
  if (s[0] == "ui") return handle_ui(req, t, ui_dir_);
  if (s[0] != "1.0") throw ApiError(404, "not found");
  if (s.size() == 1) return handle_server(req, info_);
  if (s[1] == "sources") return handle_sources(req, t, store_, connectivity_, artifacts_);
  if (s[1] == "targets") return handle_targets(req, t, store_, connectivity_);
  if (s[1] == "instances") return handle_instances(req, t, store_);
  if (s[1] == "networks") return handle_networks(req, t, store_);
  if (s[1] == "warnings") return handle_warnings(req, t, store_);
  if (s[1] == "certificates") return handle_certificates(req, t, store_);
  if (s[1] == "queue") return handle_queue(req, t, store_, queue_control_);
  if (s[1] == "batches" && s.size() == 4 && s[3] == "plan") {
    // The planner reads the same answers `mm-bench plan` fetches: this router's own GETs.
    const PlanGetter get = [this](const std::string& url) {
      const Response r = dispatch({"GET", url, "", true});
      nlohmann::json doc = nlohmann::json::parse(r.body, nullptr, false);
      if (r.status != 200 || !doc.is_object() || !doc.contains("metadata")) {
        throw ApiError(r.status == 200 ? 500 : r.status,
                       doc.is_object() ? doc.value("error", "internal server error")
                                       : "internal server error");
      }
      return std::move(doc["metadata"]);
    };
    return handle_batch_plan(req, t, get, throughput_file_);
  }
  if (s[1] == "batches") return handle_batches(req, t, store_, queue_control_);
  if (s[1] == "migrations") return handle_migrations(req, t, store_, queue_control_);
  if (s[1] == "preflight") return handle_preflight(req, t, preflight_);
  if (s[1] == "artifacts") return handle_artifacts(req, t, store_, artifacts_);
  throw ApiError(404, "not found");
}

std::optional<std::string> Router::upload_spool_path(const std::string& method,
                                                     const std::string& target) const {
  if (method != "POST" || artifacts_.dir.empty()) return std::nullopt;
  const ParsedTarget t = parse_request_target(target);
  const auto& s = t.segments;
  if (!t.ok || s.size() != 4 || s[0] != "1.0" || s[1] != "artifacts" || s[3] != "files") {
    return std::nullopt;
  }
  // Only for an artifact that exists: nobody fills the disk by naming made-up ones.
  try {
    if (!store_.get_artifact(s[2])) return std::nullopt;
    return artifacts::ArtifactFiles(store_, artifacts_.dir).spool_path();
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

}  // namespace mm::api
