// Fuzzes the endpoint URI parser: any text either parses into an endpoint whose fields agree with
// its kind, or is rejected with UriError (whose message names the URI); nothing else escapes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "transfer/uri.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  mm::transfer::Endpoint e;
  try {
    e = mm::transfer::parse_endpoint(text);
  } catch (const mm::transfer::UriError&) {
    return 0;
  }
  using mm::transfer::EndpointKind;
  switch (e.kind) {
    case EndpointKind::kFile:
      if (e.path.empty()) std::abort();
      break;
    case EndpointKind::kNbd:
      if (e.nbd_uri.empty() || (e.socket.empty() && e.host.empty())) std::abort();
      break;
    case EndpointKind::kVddk:
      // What the VDDK is handed: an absolute libdir, a moref, a "[DS] path.vmdk", no credentials.
      if (e.host.empty() || e.vddk.libdir.empty() || e.vddk.libdir.front() != '/' ||
          e.vddk.vm.empty() || e.vddk.disk.empty() || e.vddk.disk.front() != '[' ||
          !e.vddk.user.empty() || !e.vddk.password.empty() ||
          (!e.vddk.thumbprint.empty() && e.vddk.thumbprint.size() != 59)) {
        std::abort();
      }
      break;
    default:
      break;
  }
  // Parsing is a pure function of the text.
  const mm::transfer::Endpoint again = mm::transfer::parse_endpoint(text);
  if (again.kind != e.kind || again.nbd_uri != e.nbd_uri || again.path != e.path ||
      again.vddk.disk != e.vddk.disk || again.vddk.transports != e.vddk.transports) {
    std::abort();
  }
  return 0;
}
