#pragma once
// Reads an NBD meta context ("base:allocation", "qemu:dirty-bitmap:NAME") over a range of the export,
// without reading data. Used by the copy planner (holes, zeroes) and by the dirty-bitmap change source.
#include <cstdint>
#include <functional>
#include <string>

struct nbd_handle;

namespace mm::cbt {

struct StatusExtent {
  uint64_t offset = 0;
  uint64_t length = 0;
  uint32_t flags = 0;  // context-specific: NBD_STATE_HOLE|NBD_STATE_ZERO, or NBD_STATE_DIRTY
};

// Visits the server's extents for `context` in order, covering [offset, offset + length) exactly
// (the last extent is clipped to the range). The handle must be connected with `context` requested.
// libnbd 1.14 reports 32-bit lengths, so the range is asked for in calls of at most 2 GiB.
// Throws std::runtime_error naming the context and offset when the server fails or misbehaves.
void walk_block_status(nbd_handle* nbd, const std::string& context, uint64_t offset, uint64_t length,
                       const std::function<void(const StatusExtent&)>& visit);

}  // namespace mm::cbt
