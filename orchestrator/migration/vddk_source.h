#pragma once
// The VDDK read path of a disk copy: when the daemon holds an sdk artifact (and the source does not
// say disk_access: datastore), a worker reads the disk through libvixDiskLib from the artifact's
// extracted library directory, with the vddk:// URI mm-transfer takes:
//   vddk://HOST[:PORT]/?libdir=DIR&vm=MOREF&snapshot=MOREF&disk=[ds]%20path.vmdk
//                      &thumbprint=AA:BB:...&transports=nbdssl:nbd:hotadd
// The credentials go in a 0600 file in the instance's work directory (--vddk-credentials-file),
// never on the command line; the thumbprint is the SHA-1 of the source's certificate, fetched
// from the server and accepted only when its SHA-256 is the pinned fingerprint.
#include <string>

#include "orchestrator/migration/disk_copier.h"
#include "orchestrator/state/store.h"

namespace mm::migration {

struct VddkDisk {
  std::string artifacts_dir;  // the daemon's artifact files (orchestrator/artifacts)
  std::string work_dir;       // the instance's: the credentials file goes here
  std::string vm_moref;
  std::string snapshot;  // "" reads the base disk (a powered-off VM)
  std::string backing;   // "[datastore-01] vm/vm.vmdk"
};

// Fills `job` for VDDK and returns true when VDDK is this source's read path; false leaves `job`
// alone (read the datastore). Throws when VDDK is chosen but cannot be set up.
bool set_vddk_source(state::Store& store, const state::SourceRecord& source, const VddkDisk& disk,
                     DiskCopyJob& job);

// "https://host[:port][/sdk]" -> the server certificate's SHA-1, "AA:BB:..." (VDDK's thumbprint
// form). With `pinned_sha256` set, a certificate with another SHA-256 is refused.
std::string server_sha1_thumbprint(const std::string& endpoint, const std::string& pinned_sha256);

}  // namespace mm::migration
