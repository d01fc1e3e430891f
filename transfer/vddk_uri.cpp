// vddk://HOST[:PORT]/?libdir=DIR&vm=MOREF&disk=ENC[&snapshot=MOREF][&thumbprint=SHA1]
// [&transports=nbdssl:nbd:hotadd] (docs/vddk-source.md): a disk read through VMware's VDDK. The
// text comes from outside (the daemon, a user): every field is checked here, so the library is
// never handed something it would misread.
#include <cctype>
#include <set>

#include "common/percent_encoding.h"
#include "transfer/uri.h"

namespace mm::transfer {
namespace {

[[noreturn]] void fail(std::string_view uri, const std::string& why) {
  throw UriError("invalid endpoint '" + std::string(uri) + "': " + why);
}

bool has_control(std::string_view s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) return true;
  }
  return false;
}

// A managed object reference: vm-123, snapshot-45 (letters, digits, '-', '_', '.').
bool valid_moref(std::string_view s) {
  if (s.empty() || s.size() > 128) return false;
  for (unsigned char c : s) {
    if (!std::isalnum(c) && c != '-' && c != '_' && c != '.') return false;
  }
  return true;
}

// "[datastore] dir/name.vmdk": the datastore in brackets, a space, a path ending in .vmdk.
bool valid_disk(std::string_view s) {
  if (s.size() < 8 || s.size() > 4096 || s.front() != '[' || has_control(s)) return false;
  const size_t close = s.find(']');
  if (close == std::string_view::npos || close == 1) return false;
  if (close + 1 >= s.size() || s[close + 1] != ' ') return false;
  const std::string_view path = s.substr(close + 2);
  if (path.empty() || path.front() == '/' || !path.ends_with(".vmdk") || path == ".vmdk") {
    return false;
  }
  return path.find("/../") == std::string_view::npos && !path.starts_with("../");
}

// 20 bytes as hex pairs, with ':' between them or not; returned as AA:BB:... (upper case).
std::string normalize_sha1(std::string_view uri, std::string_view s) {
  std::string hex;
  for (char c : s) {
    if (c == ':') continue;
    if (!std::isxdigit(static_cast<unsigned char>(c))) {
      fail(uri, "thumbprint= must be the SHA-1 of the server certificate (AA:BB:... 20 bytes)");
    }
    hex.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  }
  if (hex.size() != 40) {
    fail(uri, "thumbprint= must be the SHA-1 of the server certificate (AA:BB:... 20 bytes), not " +
                  std::to_string(hex.size() / 2) + " bytes");
  }
  std::string out;
  for (size_t i = 0; i < hex.size(); i += 2) {
    if (i) out.push_back(':');
    out.append(hex, i, 2);
  }
  return out;
}

// nbdssl:nbd:hotadd -> the same, each mode known and given once.
std::string check_transports(std::string_view uri, std::string_view s) {
  static const std::set<std::string_view> kModes = {"nbdssl", "nbd", "hotadd", "san"};
  std::set<std::string_view> seen;
  std::string out;
  while (true) {
    const size_t colon = s.find(':');
    const std::string_view mode = s.substr(0, colon);
    if (!kModes.contains(mode)) {
      fail(uri, "unknown transport mode '" + std::string(mode) +
                    "' (transports= takes nbdssl, nbd, hotadd and san, joined with ':')");
    }
    if (!seen.insert(mode).second) fail(uri, "transport mode '" + std::string(mode) + "' twice");
    out += (out.empty() ? "" : ":") + std::string(mode);
    if (colon == std::string_view::npos) break;
    s.remove_prefix(colon + 1);
  }
  return out;
}

}  // namespace

Endpoint parse_vddk_endpoint(std::string_view text) {
  std::string_view rest = text.substr(std::string_view("vddk://").size());
  if (rest.find('#') != std::string_view::npos) fail(text, "vddk:// takes no fragment");
  const size_t end_of_authority = rest.find_first_of("/?");
  const std::string_view authority = rest.substr(0, end_of_authority);
  rest = end_of_authority == std::string_view::npos ? "" : rest.substr(end_of_authority);
  if (authority.find('@') != std::string_view::npos) {
    fail(text,
         "no credentials in the URI: pass them with --vddk-credentials-file or "
         "MM_VDDK_USER / MM_VDDK_PASSWORD");
  }
  if (rest.starts_with("/")) rest.remove_prefix(1);
  if (!rest.starts_with("?")) {
    fail(text, "expected vddk://HOST[:PORT]/?libdir=DIR&vm=MOREF&disk=[DS] PATH.vmdk");
  }
  std::string_view query = rest.substr(1);

  const std::string as_nbd = "nbd://" + std::string(authority);
  Endpoint e;
  try {
    e = parse_endpoint(as_nbd);  // the same HOST[:PORT] rules, IPv6 brackets included
  } catch (const UriError& err) {
    std::string why = err.what();
    const std::string inner = "invalid endpoint '" + as_nbd + "': ";
    fail(text, why.starts_with(inner) ? why.substr(inner.size()) : why);
  }
  if (!authority.ends_with(":" + std::to_string(e.port))) e.port = 443;
  e.kind = EndpointKind::kVddk;
  e.uri = text;
  e.nbd_uri.clear();
  e.export_name.clear();

  std::set<std::string> seen;
  while (!query.empty()) {
    const size_t amp = query.find('&');
    const std::string_view param = query.substr(0, amp);
    query = amp == std::string_view::npos ? "" : query.substr(amp + 1);
    if (param.empty()) continue;
    const size_t eq = param.find('=');
    const std::string key(param.substr(0, eq));
    const std::string_view raw = eq == std::string_view::npos ? "" : param.substr(eq + 1);
    const std::optional<std::string> decoded = mm::percent_decode(raw);
    if (!decoded) fail(text, "bad percent escape in " + key + "=");
    const std::string& value = *decoded;
    if (value.find('\0') != std::string::npos || has_control(value)) {
      fail(text, key + "= holds control characters");
    }
    if (!seen.insert(key).second) fail(text, key + "= given twice");
    if (key == "libdir") {
      if (value.empty() || value.front() != '/') fail(text, "libdir= must be an absolute path");
      e.vddk.libdir = value;
    } else if (key == "vm") {
      // nbdkit's form "moref=vm-123" is accepted too.
      const std::string moref = value.starts_with("moref=") ? value.substr(6) : value;
      if (!valid_moref(moref)) fail(text, "vm= must be the VM's managed object reference (vm-123)");
      e.vddk.vm = moref;
    } else if (key == "snapshot") {
      if (!valid_moref(value)) {
        fail(text, "snapshot= must be a snapshot's managed object reference (snapshot-45)");
      }
      e.vddk.snapshot = value;
    } else if (key == "disk") {
      if (!valid_disk(value)) {
        fail(text, "disk= must be a datastore path \"[DATASTORE] DIR/NAME.vmdk\", percent-encoded");
      }
      e.vddk.disk = value;
    } else if (key == "thumbprint") {
      e.vddk.thumbprint = normalize_sha1(text, value);
    } else if (key == "transports") {
      e.vddk.transports = check_transports(text, value);
    } else {
      fail(text, "unknown query parameter '" + key +
                     "' (vddk:// takes libdir, vm, snapshot, disk, thumbprint and transports)");
    }
  }
  if (e.vddk.libdir.empty()) fail(text, "needs libdir= (the directory of libvixDiskLib.so)");
  if (e.vddk.vm.empty()) fail(text, "needs vm= (the VM's managed object reference)");
  if (e.vddk.disk.empty()) fail(text, "needs disk= (\"[DATASTORE] DIR/NAME.vmdk\")");
  return e;
}

}  // namespace mm::transfer
