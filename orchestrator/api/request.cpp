#include "orchestrator/api/request.h"

#include "common/percent_encoding.h"

namespace mm::api {
namespace {

// Decodes into `out`; false (out unspecified) on a bad escape.
bool decode(const std::string& in, std::string& out, bool plus_is_space) {
  auto decoded = percent_decode(in, plus_is_space);
  if (!decoded) return false;
  out = std::move(*decoded);
  return true;
}

}  // namespace

ParsedTarget parse_request_target(const std::string& target) {
  ParsedTarget p;
  const size_t q = target.find('?');
  const std::string path = target.substr(0, q);
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    // Empty segments (leading slash, doubled or trailing slashes) carry no meaning here.
    if (end > start) {
      std::string seg;
      if (!decode(path.substr(start, end - start), seg, false)) p.ok = false;
      p.segments.push_back(std::move(seg));
    }
    start = end + 1;
  }
  if (q != std::string::npos) {
    const std::string query = target.substr(q + 1);
    size_t s = 0;
    while (s <= query.size()) {
      size_t e = query.find('&', s);
      if (e == std::string::npos) e = query.size();
      const std::string pair = query.substr(s, e - s);
      if (!pair.empty()) {
        const size_t eq = pair.find('=');
        std::string k, v;
        if (!decode(pair.substr(0, eq), k, true)) p.ok = false;
        if (eq != std::string::npos && !decode(pair.substr(eq + 1), v, true)) p.ok = false;
        p.query[k] = v;
      }
      s = e + 1;
    }
  }
  return p;
}

}  // namespace mm::api
