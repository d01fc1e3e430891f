#include "orchestrator/incus/envelope.h"

#include <cctype>

#include "orchestrator/incus/error.h"
#include "orchestrator/incus/json_read.h"

namespace mm::incus {
namespace jr = json_read;

Reply parse_reply(std::string_view body, int http_status) {
  nlohmann::json doc = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) {
    std::string head(body.substr(0, 120));
    bad_reply("not JSON (HTTP " + std::to_string(http_status) + "): " + head);
  }
  jr::object(doc, "");
  Reply r;
  const std::string type = jr::required_string(doc, "type", "");
  if (type == "sync") {
    r.type = ReplyType::kSync;
  } else if (type == "async") {
    r.type = ReplyType::kAsync;
  } else if (type == "error") {
    r.type = ReplyType::kError;
  } else {
    bad_reply("field \"type\" must be sync, async or error, not \"" + type.substr(0, 40) + "\"");
  }
  r.status = jr::string(doc, "status", "");
  r.status_code = jr::integer(doc, "status_code", "");
  r.operation = jr::string(doc, "operation", "");
  r.error_code = jr::integer(doc, "error_code", "");
  r.error = jr::string(doc, "error", "");
  if (auto it = doc.find("metadata"); it != doc.end()) r.metadata = std::move(*it);
  if (r.type == ReplyType::kError && r.error_code == 0) {
    r.error_code = http_status >= 400 ? http_status : 500;
  }
  if (r.type == ReplyType::kAsync) {
    if (r.operation.empty()) bad_reply("field \"operation\" is missing in an async reply");
    operation_id(r.operation);
    parse_operation(r.metadata);  // validated here; callers parse it again when they need it
  }
  return r;
}

void throw_if_error(const Reply& reply) {
  if (reply.type != ReplyType::kError) return;
  const auto code = static_cast<int>(reply.error_code);
  const std::string message = reply.error.empty() ? "error " + std::to_string(code) : reply.error;
  const auto kind =
      code == 403 ? target::TargetError::Kind::kAuthFailed : target::TargetError::Kind::kProtocol;
  throw IncusError(kind, "Incus: " + message, code);
}

Operation parse_operation(const nlohmann::json& value, const std::string& path) {
  jr::object(value, path);
  Operation op;
  op.id = jr::required_string(value, "id", path);
  op.op_class = jr::string(value, "class", path);
  op.description = jr::string(value, "description", path);
  op.created_at = jr::string(value, "created_at", path);
  op.updated_at = jr::string(value, "updated_at", path);
  op.status = jr::string(value, "status", path);
  op.status_code = jr::integer(value, "status_code", path);
  if (op.status_code == 0) bad_reply("field \"" + jr::join(path, "status_code") + "\" is missing");
  if (auto it = value.find("resources"); it != value.end() && !it->is_null()) {
    const std::string rpath = jr::join(path, "resources");
    jr::object(*it, rpath);
    for (auto r = it->begin(); r != it->end(); ++r) {
      op.resources[r.key()] = jr::strings(*it, r.key().c_str(), rpath);
    }
  }
  if (auto it = value.find("metadata"); it != value.end()) op.metadata = *it;
  op.may_cancel = jr::boolean(value, "may_cancel", path);
  op.err = jr::string(value, "err", path);
  op.location = jr::string(value, "location", path);
  return op;
}

std::string operation_id(const std::string& url_or_id) {
  static const std::string kPrefix = "/1.0/operations/";
  std::string id = url_or_id;
  if (id.rfind(kPrefix, 0) == 0) id = id.substr(kPrefix.size());
  if (auto q = id.find('?'); q != std::string::npos) id.resize(q);
  // Incus operation ids are UUIDs: hex digits and dashes, nothing that could escape the path.
  bool ok = !id.empty() && id.size() <= 64;
  for (char c : id) ok = ok && (std::isxdigit(static_cast<unsigned char>(c)) || c == '-');
  if (!ok)
    bad_reply("field \"operation\" is not an operation URL: \"" + url_or_id.substr(0, 80) + "\"");
  return id;
}

}  // namespace mm::incus
