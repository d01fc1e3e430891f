#include "cbt/vmware_changed_areas.h"

namespace mm::cbt {

ChangedAreasQuery::~ChangedAreasQuery() = default;

void validate_changed_areas_page(const DiskChangeInfo& reply, uint64_t asked_offset,
                                 uint64_t capacity) {
  const auto n = [](uint64_t v) { return std::to_string(v); };
  if (reply.start_offset != asked_offset) {
    throw std::runtime_error("reply covers startOffset " + n(reply.start_offset) +
                             " instead of the asked offset");
  }
  if (reply.length == 0) throw std::runtime_error("reply window has length 0 (no progress)");
  // Both values parsed as xsd:long (< 2^63), so the sum cannot wrap.
  const uint64_t window_end = reply.start_offset + reply.length;
  if (window_end > capacity) {
    throw std::runtime_error("reply window [" + n(reply.start_offset) + ", " + n(window_end) +
                             ") passes the disk capacity " + n(capacity));
  }
  uint64_t previous_end = reply.start_offset;
  for (size_t i = 0; i < reply.changed_areas.size(); ++i) {
    const Extent& a = reply.changed_areas[i];
    const std::string which = "changedArea " + std::to_string(i) + " [start " + n(a.offset) +
                              ", length " + n(a.length) + "]";
    if (a.length == 0) throw std::runtime_error(which + " is empty");
    if (a.offset < reply.start_offset || a.length > window_end - reply.start_offset ||
        a.offset > window_end - a.length) {
      throw std::runtime_error(which + " lies outside the reply window [" +
                               n(reply.start_offset) + ", " + n(window_end) + ")");
    }
    if (a.offset < previous_end && i > 0) {
      throw std::runtime_error(which + " overlaps or precedes the previous area, which ends at " +
                               n(previous_end));
    }
    previous_end = a.offset + a.length;
  }
}

ExtentSet changed_areas(ChangedAreasQuery& query, const std::string& snapshot_moref,
                        int32_t device_key, uint64_t capacity, const std::string& change_id) {
  if (capacity > ExtentSet::kMaxEnd) {
    throw ChangedAreasError("QueryChangedDiskAreas: disk capacity " + std::to_string(capacity) +
                            " exceeds xsd:long");
  }
  if (change_id.empty()) throw ChangedAreasError("QueryChangedDiskAreas: empty changeId");
  ExtentSet changed;
  uint64_t offset = 0;
  while (offset < capacity) {
    const std::string page = "QueryChangedDiskAreas(snapshot " + snapshot_moref + ", device " +
                             std::to_string(device_key) + ", changeId " + change_id +
                             ") page at offset " + std::to_string(offset) + ": ";
    const std::string body = query.query_changed_disk_areas(
        snapshot_moref, device_key, static_cast<int64_t>(offset), change_id);
    DiskChangeInfo reply;
    try {
      reply = parse_changed_disk_areas_reply(body);
      validate_changed_areas_page(reply, offset, capacity);
    } catch (const SoapFault& f) {
      throw SoapFault(f.fault_type(), f.fault_string(), page + f.what());
    } catch (const std::runtime_error& e) {
      throw ChangedAreasError(page + e.what());
    }
    for (const Extent& a : reply.changed_areas) changed.add(a);
    offset = reply.start_offset + reply.length;
  }
  return changed;
}

}  // namespace mm::cbt
