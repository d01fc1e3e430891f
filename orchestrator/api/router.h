#pragma once
// The REST API under /1.0, independent of the transport: the HTTPS listener and the unix socket
// both hand it a Request and send back its Response, so both serve the same routes.
#include <string>

#include "orchestrator/api/request.h"
#include "orchestrator/api/response.h"
#include "orchestrator/inventory/connectivity.h"
#include "orchestrator/migration/queue_control.h"
#include "orchestrator/state/store.h"

namespace mm::api {

struct ServerInfo {
  std::string server_name;  // host name
  std::string server_version;
  std::string certificate_pem;  // the daemon's own certificate
  std::string certificate_fingerprint;
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
  // Never throws: every failure becomes a JSON error response.
  Response handle(const Request& req) noexcept;

 private:
  Response dispatch(const Request& req);
  state::Store& store_;
  ServerInfo info_;
  inventory::Connectivity* connectivity_;
  migration::QueueControl* queue_control_;
};

// Per-resource handlers; `segments` is the full decoded path ("1.0", "sources", ...).
Response handle_server(const Request& req, const ServerInfo& info);
Response handle_sources(const Request& req, const ParsedTarget& target, state::Store& store,
                        inventory::Connectivity* connectivity);
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

// 405 with the Allow header listing what the resource supports.
Response method_not_allowed(const char* allow);

}  // namespace mm::api
