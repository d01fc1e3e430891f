#include "transfer/uri.h"

#include <cctype>
#include <charconv>

namespace mm::transfer {
namespace {

[[noreturn]] void fail(std::string_view uri, const std::string& why) {
  throw UriError("invalid endpoint '" + std::string(uri) + "': " + why);
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Export names and socket paths may carry %XX escapes (RFC 3986).
std::string percent_decode(std::string_view uri, std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out.push_back(s[i]);
      continue;
    }
    if (i + 2 >= s.size() || hex_value(s[i + 1]) < 0 || hex_value(s[i + 2]) < 0) {
      fail(uri, "bad percent escape at position " + std::to_string(i));
    }
    const char decoded = static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
    if (decoded == '\0') fail(uri, "%00 is not allowed");
    out.push_back(decoded);
    i += 2;
  }
  return out;
}

std::string percent_encode(std::string_view s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == '/') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

Endpoint parse_nbd_tcp(std::string_view text) {
  Endpoint e;
  e.kind = EndpointKind::kNbd;
  e.uri = text;
  std::string_view rest = text.substr(std::string_view("nbd://").size());
  if (rest.find('?') != std::string_view::npos || rest.find('#') != std::string_view::npos) {
    fail(text, "nbd:// takes no query or fragment (use nbd+unix:// for sockets)");
  }
  const size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string_view export_part = slash == std::string_view::npos ? "" : rest.substr(slash + 1);
  if (authority.find('@') != std::string_view::npos) fail(text, "user names are not supported");
  std::string_view host = authority;
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {  // [IPv6]:port
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) fail(text, "unterminated '[' in host");
    host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') fail(text, "expected ':' after ']'");
      port = after.substr(1);
    }
  } else if (const size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (host.empty()) fail(text, "missing host");
  e.host = host;
  if (!port.empty() || authority.ends_with(':')) {
    unsigned value = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || end != port.data() + port.size() || value == 0 || value > 65535) {
      fail(text, "port '" + std::string(port) + "' is not a number between 1 and 65535");
    }
    e.port = static_cast<uint16_t>(value);
  }
  e.export_name = percent_decode(text, export_part);
  const bool v6 = e.host.find(':') != std::string::npos;
  e.nbd_uri = "nbd://" + (v6 ? "[" + e.host + "]" : e.host) + ":" + std::to_string(e.port) + "/" +
              percent_encode(e.export_name);
  return e;
}

Endpoint parse_nbd_unix(std::string_view text) {
  Endpoint e;
  e.kind = EndpointKind::kNbd;
  e.uri = text;
  std::string_view rest = text.substr(std::string_view("nbd+unix://").size());
  const size_t q = rest.find('?');
  if (q == std::string_view::npos) fail(text, "missing '?socket=PATH'");
  std::string_view path_part = rest.substr(0, q);
  std::string_view query = rest.substr(q + 1);
  if (!path_part.empty() && path_part.front() != '/') {
    fail(text, "nbd+unix:// takes no host: write nbd+unix:///EXPORT?socket=PATH");
  }
  e.export_name = percent_decode(text, path_part.empty() ? path_part : path_part.substr(1));
  while (!query.empty()) {
    const size_t amp = query.find('&');
    std::string_view param = query.substr(0, amp);
    query = amp == std::string_view::npos ? "" : query.substr(amp + 1);
    const size_t eq = param.find('=');
    std::string_view key = param.substr(0, eq);
    std::string_view value = eq == std::string_view::npos ? "" : param.substr(eq + 1);
    if (key == "socket") {
      if (!e.socket.empty()) fail(text, "socket given twice");
      e.socket = percent_decode(text, value);
    } else {
      fail(text, "unknown query parameter '" + std::string(key) + "' (only socket= is supported)");
    }
  }
  if (e.socket.empty()) fail(text, "socket= is empty");
  e.nbd_uri =
      "nbd+unix:///" + percent_encode(e.export_name) + "?socket=" + percent_encode(e.socket);
  return e;
}

// mmt://HOST:PORT (the port is required: there is no well-known one).
Endpoint parse_stream(std::string_view text) {
  std::string_view rest = text.substr(std::string_view("mmt://").size());
  if (rest.ends_with("/")) rest.remove_suffix(1);
  if (rest.find_first_of("/?#@") != std::string_view::npos) {
    fail(text, "mmt:// takes only HOST:PORT");
  }
  const std::string as_nbd = "nbd://" + std::string(rest);
  Endpoint e;
  try {
    e = parse_nbd_tcp(as_nbd);  // the same HOST:PORT rules, IPv6 brackets included
  } catch (const UriError& err) {
    std::string why = err.what();
    const std::string inner = "invalid endpoint '" + as_nbd + "': ";
    fail(text, why.starts_with(inner) ? why.substr(inner.size()) : why);
  }
  if (!rest.ends_with(":" + std::to_string(e.port))) fail(text, "mmt:// needs a port");
  e.kind = EndpointKind::kStream;
  e.uri = text;
  e.nbd_uri.clear();
  e.export_name.clear();
  return e;
}

// https://HOST[:PORT]/folder/PATH?dcPath=DC&dsName=DS: the vSphere datastore file service.
Endpoint parse_https(std::string_view text) {
  std::string_view rest = text.substr(std::string_view("https://").size());
  if (rest.find('#') != std::string_view::npos) fail(text, "https:// takes no fragment");
  const size_t slash = rest.find('/');
  if (slash == std::string_view::npos) fail(text, "missing /folder/PATH");
  std::string_view authority = rest.substr(0, slash);
  if (authority.find('@') != std::string_view::npos) {
    fail(text, "no credentials in the URI: pass the session cookie with --http-cookie-file");
  }
  const std::string as_nbd = "nbd://" + std::string(authority);
  Endpoint e;
  try {
    e = parse_nbd_tcp(as_nbd);  // the same HOST[:PORT] rules, IPv6 brackets included
  } catch (const UriError& err) {
    std::string why = err.what();
    const std::string inner = "invalid endpoint '" + as_nbd + "': ";
    fail(text, why.starts_with(inner) ? why.substr(inner.size()) : why);
  }
  if (!authority.ends_with(":" + std::to_string(e.port))) e.port = 443;
  e.kind = EndpointKind::kHttps;
  e.uri = text;
  e.nbd_uri.clear();
  e.export_name.clear();
  std::string_view target = rest.substr(slash);
  const size_t q = target.find('?');
  std::string_view path = target.substr(0, q);
  std::string_view query = q == std::string_view::npos ? "" : target.substr(q + 1);
  if (!path.starts_with("/folder/") || path.size() == 8 || path.ends_with("/")) {
    fail(text, "the path must be /folder/DIR/FILE (the datastore file service)");
  }
  const std::string decoded = percent_decode(text, path);
  if (decoded.find("/../") != std::string::npos || decoded.ends_with("/..") ||
      decoded.find("/./") != std::string::npos) {
    fail(text, "'.' and '..' are not allowed in the path");
  }
  for (char c : path) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == '"' || c == '\\' || c == 0x7f) {
      fail(text, "characters that need percent-encoding in the path");
    }
  }
  bool dc = false, ds = false;
  for (std::string_view rest_q = query; !rest_q.empty();) {
    const size_t amp = rest_q.find('&');
    std::string_view param = rest_q.substr(0, amp);
    rest_q = amp == std::string_view::npos ? "" : rest_q.substr(amp + 1);
    const size_t eq = param.find('=');
    std::string_view key = param.substr(0, eq);
    std::string_view value = eq == std::string_view::npos ? "" : param.substr(eq + 1);
    for (char c : param) {
      if (static_cast<unsigned char>(c) <= 0x20 || c == '"' || c == 0x7f) {
        fail(text, "characters that need percent-encoding in the query");
      }
    }
    percent_decode(text, value);  // checks the escapes
    if (key == "dcPath") {
      if (dc) fail(text, "dcPath given twice");
      dc = !value.empty();
    } else if (key == "dsName") {
      if (ds) fail(text, "dsName given twice");
      ds = !value.empty();
    } else {
      fail(text, "unknown query parameter '" + std::string(key) +
                     "' (the datastore file service takes dcPath= and dsName=)");
    }
  }
  if (!dc || !ds) fail(text, "needs ?dcPath=DATACENTER&dsName=DATASTORE");
  e.http_path = path;
  e.http_query = query;
  return e;
}

}  // namespace

Endpoint parse_endpoint(std::string_view text) {
  if (text.empty()) fail(text, "empty");
  if (text.find('\0') != std::string_view::npos) fail(text, "contains a NUL byte");
  if (text.starts_with("nbd://")) return parse_nbd_tcp(text);
  if (text.starts_with("nbd+unix://")) return parse_nbd_unix(text);
  if (text.starts_with("mmt://")) return parse_stream(text);
  if (text.starts_with("https://")) return parse_https(text);
  if (text.starts_with("vddk://")) return parse_vddk_endpoint(text);
  if (text.starts_with("nbds://") || text.starts_with("nbds+unix://")) {
    fail(text, "NBD over TLS is not supported; use mmt:// for an encrypted link");
  }
  if (text == "null:" || text == "null://") {
    Endpoint e;
    e.kind = EndpointKind::kNull;
    e.uri = text;
    return e;
  }
  Endpoint e;
  e.kind = EndpointKind::kFile;
  e.uri = text;
  if (text.starts_with("file://")) {
    e.path = percent_decode(text, text.substr(7));
    if (e.path.empty() || e.path.front() != '/') fail(text, "file:// needs an absolute path");
  } else if (text.starts_with("file:")) {
    e.path = text.substr(5);
  } else {
    const size_t colon = text.find(':');
    const size_t slash = text.find('/');
    if (colon != std::string_view::npos && (slash == std::string_view::npos || colon < slash) &&
        text.substr(colon).starts_with("://")) {
      fail(text, "unknown scheme '" + std::string(text.substr(0, colon)) +
                     "' (expected nbd://, nbd+unix://, mmt://, https://, vddk://, file:, null: or "
                     "a path)");
    }
    e.path = text;
  }
  if (e.path.empty()) fail(text, "empty path");
  return e;
}

}  // namespace mm::transfer
