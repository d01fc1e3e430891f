#pragma once
// Changed-block tracking over NBD: a qemu dirty bitmap exported as the meta context
// "qemu:dirty-bitmap:NAME" (qemu-nbd -B NAME) read through block status, without reading data.
#include <cstdint>
#include <string>

#include "cbt/extent_set.h"
#include "cbt/nbd_handle.h"

struct nbd_handle;

namespace mm::cbt {

inline constexpr uint32_t kNbdStateDirty = 1;  // qemu:dirty-bitmap:* flag

// "qemu:dirty-bitmap:" + bitmap.
std::string dirty_bitmap_context(const std::string& bitmap);

// Connects to `uri` with the bitmap's context requested. Throws std::runtime_error naming the
// bitmap when the server does not export it.
NbdHandlePtr open_dirty_bitmap(const std::string& uri, const std::string& bitmap);

// The dirty extents of the whole export (at the bitmap's granularity, clipped to the export size).
// `nbd` must be connected with dirty_bitmap_context(bitmap) negotiated (see open_dirty_bitmap).
// Throws std::runtime_error naming the bitmap if it was not negotiated or block status fails.
ExtentSet dirty_extents(nbd_handle* nbd, const std::string& bitmap);

}  // namespace mm::cbt
