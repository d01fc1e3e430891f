#pragma once
// A request as the router sees it, independent of the transport (HTTPS or the unix socket).
#include <cstddef>
#include <map>
#include <string>
#include <vector>

namespace mm::api {

// Bodies above this are refused with 413 before they are parsed: no API object comes near it.
inline constexpr size_t kMaxBodyBytes = 1 << 20;

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string target;  // path and query, as on the request line
  std::string body;
  bool trusted = false;  // the transport vouched for the client (trusted cert, or the unix socket)
  // An artifact upload's body, streamed to this file by the transport instead of `body`
  // (Router::upload_spool_path); the handler moves it away, the transport removes what is left.
  std::string body_file{};  // (a default initializer: brace-initialised Requests may omit it)
};

// The path of a request target split into percent-decoded segments, and its query parameters.
struct ParsedTarget {
  std::vector<std::string> segments;
  std::map<std::string, std::string> query;
  bool ok = true;  // false: malformed percent-encoding
};

ParsedTarget parse_request_target(const std::string& target);

}  // namespace mm::api
