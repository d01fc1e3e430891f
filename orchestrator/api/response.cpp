#include "orchestrator/api/response.h"

namespace mm::api {

const char* status_text(int status) {
  switch (status) {
    case 200:
      return "Success";
    case 201:
      return "Created";
    case 400:
      return "Bad Request";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 409:
      return "Conflict";
    case 413:
      return "Payload Too Large";
    case 415:
      return "Unsupported Media Type";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    default:
      return "Unknown";
  }
}

Response sync_response(nlohmann::json metadata, int status) {
  nlohmann::json j = {{"type", "sync"},        {"status", status_text(status)},
                      {"status_code", status}, {"operation", ""},
                      {"error_code", 0},       {"error", ""}};
  // Moved, not copied: a large listing (10,000 queue entries) would otherwise be copied whole.
  j["metadata"] = std::move(metadata);
  return {status, j.dump(), {}};
}

Response error_response(int status, const std::string& message) {
  nlohmann::json j = {{"type", "error"},    {"status", ""},         {"status_code", 0},
                      {"operation", ""},    {"error_code", status}, {"error", message},
                      {"metadata", nullptr}};
  // dump with `replace`: a message echoing client input must not make dump() throw on bad UTF-8.
  return {status, j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), {}};
}

}  // namespace mm::api
