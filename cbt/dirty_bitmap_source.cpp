#include "cbt/dirty_bitmap_source.h"

#include <libnbd.h>

#include <stdexcept>

#include "cbt/nbd_block_status.h"

namespace mm::cbt {

std::string dirty_bitmap_context(const std::string& bitmap) {
  return "qemu:dirty-bitmap:" + bitmap;
}

NbdHandlePtr open_dirty_bitmap(const std::string& uri, const std::string& bitmap) {
  try {
    return open_nbd_with_context(uri, dirty_bitmap_context(bitmap));
  } catch (const std::runtime_error& e) {
    throw std::runtime_error("dirty bitmap '" + bitmap + "': " + e.what() +
                             " (qemu-nbd exports a bitmap with -B " + bitmap + ")");
  }
}

ExtentSet dirty_extents(nbd_handle* nbd, const std::string& bitmap) {
  const std::string context = dirty_bitmap_context(bitmap);
  // Without the context negotiated, block status would answer with other contexts only and the
  // result would look like "nothing changed": refuse instead.
  if (nbd_can_meta_context(nbd, context.c_str()) != 1) {
    throw std::runtime_error("dirty bitmap '" + bitmap + "': meta context " + context +
                             " was not negotiated on this NBD connection");
  }
  const int64_t size = nbd_get_size(nbd);
  if (size < 0) {
    throw std::runtime_error("dirty bitmap '" + bitmap + "': cannot get the export size: " +
                             nbd_get_error());
  }
  ExtentSet dirty;
  walk_block_status(nbd, context, 0, static_cast<uint64_t>(size), [&](const StatusExtent& e) {
    if (e.flags & kNbdStateDirty) dirty.add(e.offset, e.length);
  });
  return dirty;
}

}  // namespace mm::cbt
