#include "orchestrator/api/request.h"

#include <cctype>

namespace mm::api {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool decode(const std::string& in, std::string& out, bool plus_is_space) {
  out.clear();
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '%') {
      if (i + 2 >= in.size()) return false;
      const int hi = hex_value(in[i + 1]);
      const int lo = hex_value(in[i + 2]);
      if (hi < 0 || lo < 0) return false;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else if (plus_is_space && in[i] == '+') {
      out += ' ';
    } else {
      out += in[i];
    }
  }
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

std::string encode_segment(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += c;
    } else {
      out += '%';
      out += hex[u >> 4];
      out += hex[u & 0xf];
    }
  }
  return out;
}

}  // namespace mm::api
