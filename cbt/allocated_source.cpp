#include "cbt/allocated_source.h"

#include <libnbd.h>

#include <stdexcept>

#include "cbt/nbd_block_status.h"

namespace mm::cbt {

NbdHandlePtr open_allocation_map(const std::string& uri) {
  return open_nbd_with_context(uri, kBaseAllocation);
}

ExtentSet allocated_extents(nbd_handle* nbd) {
  // Without base:allocation the walk would see no context at all; refuse rather than guess.
  if (nbd_can_meta_context(nbd, kBaseAllocation) != 1) {
    throw std::runtime_error(std::string("meta context ") + kBaseAllocation +
                             " was not negotiated on this NBD connection");
  }
  const int64_t size = nbd_get_size(nbd);
  if (size < 0) throw std::runtime_error(std::string("cannot get the export size: ") + nbd_get_error());
  ExtentSet allocated;
  walk_block_status(nbd, kBaseAllocation, 0, static_cast<uint64_t>(size),
                    [&](const StatusExtent& e) {
                      if (!(e.flags & LIBNBD_STATE_HOLE)) allocated.add(e.offset, e.length);
                    });
  return allocated;
}

}  // namespace mm::cbt
