#pragma once
// The change set of `mm-transfer sync`: which bytes of the source changed since the previous copy,
// read from a qemu dirty bitmap on the source's NBD export or from an extents file written by the
// orchestrator (VMware CBT). Its id keys the sync's checkpoint, so that a checkpoint of one change
// set is never used to resume another.
#include <stdexcept>
#include <string>
#include <vector>

#include "cbt/extent.h"
#include "transfer/uri.h"

namespace mm::transfer {

struct ChangeSet {
  std::vector<cbt::Extent> extents;  // sorted, non-overlapping, coalesced
  uint64_t bytes = 0;
  std::string id;           // 32 hex digits: XXH3-128 of the canonical extents JSON
  std::string description;  // "dirty bitmap bm0" / "extents file PATH", for messages
};

// A usage problem (bad --extents form, a bitmap asked of a non-NBD source): exit status 2.
struct ChangeSetUsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// `extents` is "dirty-bitmap:NAME" or empty; `extents_file` a path or empty; exactly one is given.
// Throws ChangeSetUsageError for bad usage and std::runtime_error when the set cannot be read.
ChangeSet load_change_set(const Endpoint& source, const std::string& extents,
                          const std::string& extents_file);

}  // namespace mm::transfer
