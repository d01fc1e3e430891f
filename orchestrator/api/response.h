#pragma once
// The API's answers in the reference tool's envelope (shared/api/response.go):
//   {"type": "sync", "status": "Success", "status_code": 200, "metadata": ...}
//   {"type": "error", "error": "...", "error_code": 404}
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace mm::api {

struct Response {
  int status = 200;
  std::string body;  // JSON text
  std::vector<std::pair<std::string, std::string>> headers;
};

Response sync_response(nlohmann::json metadata, int status = 200);
Response error_response(int status, const std::string& message);
// The reason phrase for a status code, as the envelope's "status" and the HTTP status line use it.
const char* status_text(int status);

}  // namespace mm::api
