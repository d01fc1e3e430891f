#pragma once
// Incus's reply envelopes (sync / async / error) and its operation objects, parsed from the JSON
// text of a reply. Every parser rejects garbage with an IncusError naming the field.
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace mm::incus {

enum class ReplyType { kSync, kAsync, kError };

struct Reply {
  ReplyType type = ReplyType::kSync;
  std::string status;       // "Success", "Operation created", "" for errors
  int64_t status_code = 0;  // 200, 100, 0 for errors
  std::string operation;    // async: "/1.0/operations/<uuid>"
  int64_t error_code = 0;   // error: an HTTP status (400, 403, 404, 409, 500 ...)
  std::string error;
  nlohmann::json metadata;  // sync: the payload; async: the operation; error: usually null
};

// Parses one envelope. `http_status` is used only when the body is not JSON (a proxy's page).
Reply parse_reply(std::string_view body, int http_status = 200);
// Throws IncusError for an error reply: kAuthFailed for 403 ("not authorized"), else kProtocol,
// with code() = error_code and the server's message.
void throw_if_error(const Reply& reply);

// Incus status codes of operations (shared/api/status_code.go).
enum class OperationStatus : int64_t {
  kCreated = 100,
  kStarted = 101,
  kStopped = 102,
  kRunning = 103,
  kCancelling = 104,
  kPending = 105,
  kSuccess = 200,
  kFailure = 400,
  kCancelled = 401,
};

struct Operation {
  std::string id;
  std::string op_class;  // "task", "websocket", "token"
  std::string description;
  std::string created_at;
  std::string updated_at;
  std::string status;
  int64_t status_code = 0;
  std::map<std::string, std::vector<std::string>> resources;
  nlohmann::json metadata;
  bool may_cancel = false;
  std::string err;
  std::string location;

  bool done() const { return status_code >= 200; }  // final states are 2xx and 4xx
  bool succeeded() const { return status_code == static_cast<int64_t>(OperationStatus::kSuccess); }
};

// An operation object at `path` in the reply (for messages).
Operation parse_operation(const nlohmann::json& value, const std::string& path = "metadata");
// The UUID of "/1.0/operations/<uuid>" (or of a bare UUID); throws IncusError when it is not one.
std::string operation_id(const std::string& url_or_id);

}  // namespace mm::incus
