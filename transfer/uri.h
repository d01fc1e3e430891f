#pragma once
// Endpoint URIs accepted by mm-transfer: where a disk is read from or written to.
//   nbd://HOST[:PORT]/EXPORT           NBD over TCP (port 10809 by default)
//   nbd+unix:///EXPORT?socket=PATH     NBD over a unix socket
//   PATH or file:PATH                  a regular file or a block device
//   null:                              a target that discards writes (for measuring the source
//   alone) mmt://HOST:PORT                    a target only: `mm-transfer receive`
//   (docs/stream-protocol.md) https://HOST[:PORT]/folder/PATH?dcPath=DC&dsName=DS
//                                      a source only: a datastore file (docs/datastore-source.md)
//   vddk://HOST[:PORT]/?libdir=DIR&vm=MOREF&disk=ENC[&snapshot=MOREF&thumbprint=SHA1&transports=..]
//                                      a source only: VMware's VDDK (docs/vddk-source.md)
#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "cbt/extent.h"

namespace mm::transfer {

enum class EndpointKind { kNbd, kFile, kNull, kStream, kHttps, kVddk };

struct Endpoint {
  EndpointKind kind = EndpointKind::kNull;
  std::string uri;        // as the user wrote it (shown in messages, kept in checkpoints)
  std::string nbd_uri;    // kNbd: the URI handed to libnbd (normalised)
  std::string host;       // kNbd over TCP, kStream
  uint16_t port = 10809;  // kNbd over TCP, kStream
  std::string socket;     // kNbd over a unix socket
  std::string export_name;
  std::string path;  // kFile
  // kHttps: the file's path under /folder/ and the query, both as written (percent-encoded).
  std::string http_path, http_query;
  // kHttps: what the URI must not carry (secrets stay off command lines), set by the caller.
  std::string http_cookie;  // the Cookie header: vmware_soap_session="..."
  std::string http_trust;   // the server certificate's SHA-256 (normalised); empty: system CAs
  // kHttps: connect, handshake and each request (--http-timeout); a read that times out is retried.
  std::chrono::milliseconds http_timeout{60000};
  // kVddk (vddk_uri.cpp): host and port above; the rest decoded from the query.
  struct Vddk {
    std::string libdir;      // the directory holding libvixDiskLib.so.*
    std::string vm;          // the VM's managed object reference: vm-123
    std::string snapshot;    // a snapshot's moref, or empty: the disk as it is (VM powered off)
    std::string disk;        // "[datastore] dir/name.vmdk"
    std::string thumbprint;  // the server certificate's SHA-1, AA:BB:... (upper case), or empty
    std::string transports;  // "nbdssl:nbd:hotadd" in the user's order, or empty: VDDK's own
    // What the URI must not carry (set by the caller: --vddk-credentials-file or the environment).
    std::string user, password;
  } vddk;
  // Where the source holds data (CBT changeId "*"); it reads as zero elsewhere. Absent: all data.
  std::optional<std::vector<cbt::Extent>> data_extents;

  bool is_unix_socket() const { return !socket.empty(); }
};

struct UriError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Throws UriError with a message naming the URI and what is wrong with it.
Endpoint parse_endpoint(std::string_view text);
// vddk://... alone (vddk_uri.cpp); parse_endpoint calls it.
Endpoint parse_vddk_endpoint(std::string_view text);

}  // namespace mm::transfer
