#pragma once
// The REST API under /1.0, independent of the transport: the HTTPS listener and the unix socket
// both hand it a Request and send back its Response, so both serve the same routes.
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "orchestrator/api/request.h"
#include "orchestrator/api/response.h"
#include "orchestrator/inventory/connectivity.h"
#include "orchestrator/migration/preflight_service.h"
#include "orchestrator/migration/queue_control.h"
#include "orchestrator/state/store.h"

namespace mm::api {

struct ServerInfo {
  std::string server_name;  // host name
  std::string server_version;
  std::string certificate_pem;  // the daemon's own certificate
  std::string certificate_fingerprint;
};

// Where artifact files live and what `source show` reports about disk access.
struct ArtifactOptions {
  std::string dir;                                    // "" : the artifact routes answer 503
  std::map<std::string, std::string> datastore_dirs;  // --datastore-dir NAME=DIR
};

class Router {
 public:
  // `connectivity` checks sources and targets after a write and runs source syncs; null: no
  // clients are wired, statuses stay as stored and source sync answers 503. `queue_control` is
  // the migration scheduler; null: the queue's cancel, retry and resolve answer 503.
  Router(state::Store& store, ServerInfo info, inventory::Connectivity* connectivity = nullptr,
         migration::QueueControl* queue_control = nullptr)
      : store_(store),
        info_(std::move(info)),
        connectivity_(connectivity),
        queue_control_(queue_control) {}
  // The web interface's built files, served under /ui/ ("" : /ui/ answers 404).
  void set_ui_dir(std::string dir) { ui_dir_ = std::move(dir); }
  // Artifact files and disk access (orchestrator/artifacts); unset: the artifact routes answer 503.
  void set_artifacts(ArtifactOptions options) { artifacts_ = std::move(options); }
  // POST /1.0/preflight; unset: it answers 503.
  void set_preflight(migration::PreflightService* preflight) { preflight_ = preflight; }
  // mm-bench measure's JSON for GET /1.0/batches/NAME/plan ("" : the planner's assumed figure).
  void set_throughput_file(std::string file) { throughput_file_ = std::move(file); }
  // Never throws: every failure becomes a JSON error response.
  Response handle(const Request& req) noexcept;
  // The file a request's body is to be streamed to rather than read into memory: an artifact
  // upload (POST /1.0/artifacts/UUID/files) for an artifact that exists. nullopt for every other
  // request. The transport asks only for trusted clients.
  std::optional<std::string> upload_spool_path(const std::string& method,
                                               const std::string& target) const;

 private:
  Response dispatch(const Request& req);
  state::Store& store_;
  ServerInfo info_;
  inventory::Connectivity* connectivity_;
  migration::QueueControl* queue_control_;
  ArtifactOptions artifacts_;
  std::string ui_dir_;
  migration::PreflightService* preflight_ = nullptr;
  std::string throughput_file_;
};

// Per-resource handlers; `segments` is the full decoded path ("1.0", "sources", ...).
Response handle_server(const Request& req, const ServerInfo& info);
Response handle_sources(const Request& req, const ParsedTarget& target, state::Store& store,
                        inventory::Connectivity* connectivity,
                        const ArtifactOptions& artifacts = {});
Response handle_targets(const Request& req, const ParsedTarget& target, state::Store& store,
                        inventory::Connectivity* connectivity);
Response handle_instances(const Request& req, const ParsedTarget& target, state::Store& store);
Response handle_networks(const Request& req, const ParsedTarget& target, state::Store& store);
Response handle_warnings(const Request& req, const ParsedTarget& target, state::Store& store);
Response handle_certificates(const Request& req, const ParsedTarget& target, state::Store& store);
Response handle_queue(const Request& req, const ParsedTarget& target, state::Store& store,
                      migration::QueueControl* control);
Response handle_batches(const Request& req, const ParsedTarget& target, state::Store& store,
                        migration::QueueControl* control);
Response handle_artifacts(const Request& req, const ParsedTarget& target, state::Store& store,
                          const ArtifactOptions& options);

Response handle_migrations(const Request& req, const ParsedTarget& target, state::Store& store,
                           migration::QueueControl* control);
Response handle_preflight(const Request& req, const ParsedTarget& target,
                          migration::PreflightService* preflight);
// GET of a URL under /1.0 answered in-process: the metadata; throws ApiError on an error answer.
using PlanGetter = std::function<nlohmann::json(const std::string& url)>;
// GET /1.0/batches/{name}/plan: the planner over the answers `get` gives for mm-bench's URLs.
Response handle_batch_plan(const Request& req, const ParsedTarget& target, const PlanGetter& get,
                           const std::string& throughput_file);

// 405 with the Allow header listing what the resource supports.
Response method_not_allowed(const char* allow);

}  // namespace mm::api
