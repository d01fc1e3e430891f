#include "orchestrator/incus/client.h"

#include <algorithm>

#include "common/go_duration.h"
#include "common/percent_encoding.h"
#include "orchestrator/incus/error.h"

namespace mm::incus {
using Kind = target::TargetError::Kind;
using std::chrono::duration_cast;
using std::chrono::milliseconds;

namespace {

milliseconds parse_timeout(const std::string& text) {
  const auto d = parse_go_duration(text.empty() ? "5m0s" : text, "connection_timeout");
  if (d.count() <= 0) throw std::invalid_argument("connection_timeout: must be positive");
  return std::max(milliseconds(1), duration_cast<milliseconds>(d));
}

}  // namespace

std::string project_query(const std::string& project, bool first) {
  if (project.empty()) return "";
  return std::string(first ? "?" : "&") + "project=" + mm::percent_encode(project);
}

IncusClient::IncusClient(const target::TargetEndpoint& endpoint)
    : transport_(endpoint), operation_timeout_(parse_timeout(endpoint.connection_timeout)) {}

Reply IncusClient::call(const std::string& method, const std::string& path,
                        const nlohmann::json& body) {
  const std::string text = body.is_null() ? "" : body.dump();
  HttpReply http = transport_.request(method, path, text, request_timeout_);
  return parse_reply(http.body, http.status);
}

Reply IncusClient::checked(const std::string& method, const std::string& path,
                           const nlohmann::json& body) {
  Reply r = call(method, path, body);
  throw_if_error(r);
  return r;
}

ServerInfo IncusClient::server() {
  Reply r = checked("GET", "/1.0");
  if (r.type != ReplyType::kSync) bad_reply("GET /1.0 must answer sync");
  return parse_server(r.metadata);
}

ServerInfo IncusClient::check_trusted() {
  ServerInfo info = server();
  if (info.auth != "trusted") {
    throw IncusError(Kind::kAuthFailed, "Incus at " + transport_.url() +
                                            " does not trust this client (auth \"" + info.auth +
                                            "\"): add its certificate to the server's trust store");
  }
  return info;
}

std::vector<Project> IncusClient::projects() {
  return parse_list(checked("GET", "/1.0/projects?recursion=1").metadata, &parse_project);
}

std::vector<StoragePool> IncusClient::storage_pools() {
  return parse_list(checked("GET", "/1.0/storage-pools?recursion=1").metadata, &parse_storage_pool);
}

StoragePool IncusClient::storage_pool(const std::string& name) {
  return parse_storage_pool(
      checked("GET", "/1.0/storage-pools/" + mm::percent_encode(name)).metadata);
}

std::vector<Network> IncusClient::networks(const std::string& project) {
  return parse_list(
      checked("GET", "/1.0/networks?recursion=1" + project_query(project, false)).metadata,
      &parse_network);
}

StorageVolume IncusClient::create_custom_volume(const std::string& pool, const std::string& project,
                                                const VolumeSpec& spec) {
  Reply r = checked(
      "POST",
      "/1.0/storage-pools/" + mm::percent_encode(pool) + "/volumes/custom" + project_query(project),
      volume_create_body(spec));
  if (r.type == ReplyType::kAsync) finish(r, "creating volume " + spec.name);
  return custom_volume(pool, project, spec.name);
}

StorageVolume IncusClient::custom_volume(const std::string& pool, const std::string& project,
                                         const std::string& name) {
  return parse_volume(checked("GET", "/1.0/storage-pools/" + mm::percent_encode(pool) +
                                         "/volumes/custom/" + mm::percent_encode(name) +
                                         project_query(project))
                          .metadata);
}

void IncusClient::delete_custom_volume(const std::string& pool, const std::string& project,
                                       const std::string& name) {
  Reply r =
      checked("DELETE", "/1.0/storage-pools/" + mm::percent_encode(pool) + "/volumes/custom/" +
                            mm::percent_encode(name) + project_query(project));
  if (r.type == ReplyType::kAsync) finish(r, "deleting volume " + name);
}

Operation IncusClient::create_instance(const std::string& project, const InstanceSpec& spec) {
  return finish(
      checked("POST", "/1.0/instances" + project_query(project), instance_create_body(spec)),
      "creating instance " + spec.name);
}

Instance IncusClient::instance(const std::string& project, const std::string& name) {
  return parse_instance(
      checked("GET", "/1.0/instances/" + mm::percent_encode(name) + project_query(project))
          .metadata);
}

std::vector<Instance> IncusClient::instances(const std::string& project) {
  return parse_list(
      checked("GET", "/1.0/instances?recursion=1" + project_query(project, false)).metadata,
      &parse_instance);
}

Operation IncusClient::start_instance(const std::string& project, const std::string& name) {
  const int secs = static_cast<int>(
      std::chrono::duration_cast<std::chrono::seconds>(operation_timeout_).count());
  return finish(
      checked("PUT",
              "/1.0/instances/" + mm::percent_encode(name) + "/state" + project_query(project),
              instance_state_body("start", secs, false)),
      "starting instance " + name);
}

Operation IncusClient::stop_instance(const std::string& project, const std::string& name,
                                     bool force) {
  const int secs = static_cast<int>(
      std::chrono::duration_cast<std::chrono::seconds>(operation_timeout_).count());
  return finish(
      checked("PUT",
              "/1.0/instances/" + mm::percent_encode(name) + "/state" + project_query(project),
              instance_state_body("stop", secs, force)),
      "stopping instance " + name);
}

Operation IncusClient::delete_instance(const std::string& project, const std::string& name) {
  return finish(
      checked("DELETE", "/1.0/instances/" + mm::percent_encode(name) + project_query(project)),
      "deleting instance " + name);
}

Operation IncusClient::finish(const Reply& reply, const std::string& what) {
  if (reply.type != ReplyType::kAsync) bad_reply(what + ": expected an async reply");
  try {
    return wait_operation(reply.operation);
  } catch (const IncusError& e) {
    throw IncusError(e.kind(), what + ": " + e.what(), e.code(), e.timed_out(), e.fingerprint());
  }
}

Operation IncusClient::wait_operation(const std::string& operation, milliseconds timeout) {
  if (timeout.count() <= 0) timeout = operation_timeout_;
  const std::string id = operation_id(operation);
  // Incus takes whole seconds; the HTTP exchange gets a margin on top so the server answers first.
  const auto secs = std::max<int64_t>(
      1, std::chrono::duration_cast<std::chrono::seconds>(timeout + milliseconds(999)).count());
  const auto saved = request_timeout_;
  request_timeout_ = timeout + std::chrono::seconds(15);
  Reply r;
  try {
    r = call("GET", "/1.0/operations/" + id + "/wait?timeout=" + std::to_string(secs));
  } catch (...) {
    request_timeout_ = saved;
    throw;
  }
  request_timeout_ = saved;
  if (r.type == ReplyType::kError) {
    // Incus renders a failed operation's error as an error envelope (with HTTP 200, as the header
    // went out before the wait); a deadline reached server-side reads "context deadline exceeded".
    const bool deadline = r.error.find("deadline exceeded") != std::string::npos;
    if (deadline) {
      throw IncusError(Kind::kProtocol,
                       "operation " + id + " timed out after " + format_go_duration(timeout),
                       static_cast<int>(r.error_code), true);
    }
    throw_if_error(r);
  }
  if (r.type != ReplyType::kSync) bad_reply("operation wait must answer sync");
  Operation op = parse_operation(r.metadata);
  if (!op.done()) {
    throw IncusError(Kind::kProtocol,
                     "operation " + id + " (" + op.description + ") still " + op.status +
                         " after " + format_go_duration(timeout),
                     0, true);
  }
  if (!op.succeeded()) {
    throw IncusError(
        Kind::kProtocol,
        "operation " + id + " " + op.status + ": " + (op.err.empty() ? op.status : op.err),
        static_cast<int>(op.status_code));
  }
  return op;
}

}  // namespace mm::incus
