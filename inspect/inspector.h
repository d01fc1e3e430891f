#pragma once
// The whole inspection of a disk: partition table, filesystems, firmware, guest OS.
#include "inspect/disk.h"
#include "inspect/inspection.h"

namespace mm::inspect {

struct InspectOptions {
  // Read /etc/os-release from ext2/3/4 filesystems (libext2fs). Off in the fuzzer, which covers
  // our own parsers only.
  bool read_guest_files = true;
};

// Reads only. Throws DiskReadError when the disk cannot be read; anything unrecognised or damaged
// on it gives a result ("none", "unknown") with warnings.
Inspection inspect_disk(Disk& disk, const InspectOptions& options = {});

}  // namespace mm::inspect
