#pragma once
// The Incus REST API calls migration-manager makes on a target: server info and trust, projects,
// storage pools, networks, custom block volumes, VM instances, and the asynchronous operations
// they start, waited on server-side (GET /1.0/operations/{id}/wait?timeout=) within the target's
// connection_timeout. Every call throws IncusError (a target::TargetError).
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "orchestrator/incus/envelope.h"
#include "orchestrator/incus/requests.h"
#include "orchestrator/incus/resources.h"
#include "orchestrator/incus/transport.h"
#include "orchestrator/target/target_status.h"

namespace mm::incus {

class IncusClient {
 public:
  // Throws IncusError for a bad URL, client certificate or token, and std::invalid_argument for a
  // connection_timeout that is not a Go duration.
  explicit IncusClient(const target::TargetEndpoint& endpoint);

  // The bound on a single request that is not an operation wait (default 30 s).
  void set_request_timeout(std::chrono::milliseconds timeout) { request_timeout_ = timeout; }
  // How long an operation may run: the endpoint's connection_timeout (default 5m0s).
  std::chrono::milliseconds operation_timeout() const { return operation_timeout_; }
  void set_operation_timeout(std::chrono::milliseconds timeout) { operation_timeout_ = timeout; }
  const std::string& served_fingerprint() const { return transport_.served_fingerprint(); }

  // GET /1.0 (answers untrusted clients too).
  ServerInfo server();
  // GET /1.0 and kAuthFailed unless auth is "trusted".
  ServerInfo check_trusted();

  std::vector<Project> projects();
  std::vector<StoragePool> storage_pools();
  StoragePool storage_pool(const std::string& name);
  std::vector<Network> networks(const std::string& project = "default");

  // Custom volumes (POST /1.0/storage-pools/{pool}/volumes/custom); creation is waited on when
  // Incus answers asynchronously.
  StorageVolume create_custom_volume(const std::string& pool, const std::string& project,
                                     const VolumeSpec& spec);
  StorageVolume custom_volume(const std::string& pool, const std::string& project,
                              const std::string& name);
  void delete_custom_volume(const std::string& pool, const std::string& project,
                            const std::string& name);

  // Instances. The mutating calls return the finished operation; a failed one throws IncusError
  // with its err text, a timed-out one throws IncusError with timed_out() true.
  Operation create_instance(const std::string& project, const InstanceSpec& spec);
  Instance instance(const std::string& project, const std::string& name);
  std::vector<Instance> instances(const std::string& project = "default");
  Operation start_instance(const std::string& project, const std::string& name);
  Operation stop_instance(const std::string& project, const std::string& name, bool force = false);
  Operation delete_instance(const std::string& project, const std::string& name);

  // The raw reply of any call (errors are returned, not thrown); for tooling and contract tests.
  Reply call(const std::string& method, const std::string& path,
             const nlohmann::json& body = nullptr);
  // Waits for an operation ("/1.0/operations/<uuid>" or its id) for at most `timeout` (the
  // operation timeout when zero). Returns it when it succeeded; throws IncusError otherwise.
  Operation wait_operation(const std::string& operation,
                           std::chrono::milliseconds timeout = std::chrono::milliseconds(0));

 private:
  // Throws on an error reply.
  Reply checked(const std::string& method, const std::string& path,
                const nlohmann::json& body = nullptr);
  // An async reply is waited on; a sync one passes through.
  Operation finish(const Reply& reply, const std::string& what);

  Transport transport_;
  std::chrono::milliseconds request_timeout_{std::chrono::seconds(30)};
  std::chrono::milliseconds operation_timeout_;
};

// "?project=NAME" (empty for an empty project).
std::string project_query(const std::string& project, bool first = true);

}  // namespace mm::incus
