#pragma once
// The allocated extents of an NBD export (base:allocation, everything that is not a hole): what a
// first sync copies when no change set exists yet.
#include <string>

#include "cbt/extent_set.h"
#include "cbt/nbd_handle.h"

struct nbd_handle;

namespace mm::cbt {

inline constexpr char kBaseAllocation[] = "base:allocation";

// Connects to `uri` with base:allocation requested; throws std::runtime_error if not offered.
NbdHandlePtr open_allocation_map(const std::string& uri);

// Extents of the whole export whose NBD_STATE_HOLE flag is clear (allocated, even if reading
// zeroes). `nbd` must have base:allocation negotiated. Throws std::runtime_error otherwise.
ExtentSet allocated_extents(nbd_handle* nbd);

}  // namespace mm::cbt
