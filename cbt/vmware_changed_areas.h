#pragma once
// VMware CBT as a change source: drives QueryChangedDiskAreas page by page over the whole disk and
// validates every reply, so that a server bug stops the sync instead of leaving a silent gap.
#include <cstdint>
#include <stdexcept>
#include <string>

#include "cbt/changed_areas_reply.h"
#include "cbt/extent_set.h"

namespace mm::cbt {

// The SOAP call, implemented by the orchestrator over HTTPS (and by fakes in tests).
class ChangedAreasQuery {
 public:
  virtual ~ChangedAreasQuery();
  // Returns the raw SOAP response body (XML) of
  // QueryChangedDiskAreas(snapshot, deviceKey, startOffset, changeId), faults included.
  virtual std::string query_changed_disk_areas(const std::string& snapshot_moref,
                                               int32_t device_key, int64_t start_offset,
                                               const std::string& change_id) = 0;
};

// A reply that breaks the paging rules, or a malformed reply, with the page (asked offset) named.
class ChangedAreasError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The changeId that asks for every allocated area of the snapshot (first sync).
inline constexpr char kAllAllocated[] = "*";

// Checks one page asked at `asked_offset` of a disk of `capacity` bytes: the window starts at the
// asked offset, is not empty and ends within the capacity; every area is non-empty, inside the
// window, after the previous one (sorted, not overlapping; touching is fine). Throws
// std::runtime_error describing the first violation (without the page; the pager adds it).
void validate_changed_areas_page(const DiskChangeInfo& reply, uint64_t asked_offset,
                                 uint64_t capacity);

// All changed areas of disk `device_key` in `snapshot_moref` since `change_id` (kAllAllocated for
// everything allocated): asks from offset 0, then from reply.startOffset + reply.length, until
// `capacity` (the disk's capacityInBytes). Throws ChangedAreasError naming the page and problem for
// a malformed or invalid reply, SoapFault (page named) when the server faults; whatever the query
// throws passes through.
ExtentSet changed_areas(ChangedAreasQuery& query, const std::string& snapshot_moref,
                        int32_t device_key, uint64_t capacity, const std::string& change_id);

}  // namespace mm::cbt
