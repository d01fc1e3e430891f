#pragma once
// Parser of the vim25 SOAP reply to QueryChangedDiskAreas: either a DiskChangeInfo or a SOAP fault.
// Elements are matched by local name, whatever namespace prefix the server chose. This checks the
// shape and the numbers of one reply; the paging rules (window, order) are checked by the pager.
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cbt/extent.h"
#include "cbt/soap_fault.h"

namespace mm::cbt {

// vim25 DiskChangeInfo: the window [start_offset, start_offset + length) that the reply covers and
// the changed areas inside it, in the order the server sent them.
struct DiskChangeInfo {
  uint64_t start_offset = 0;
  uint64_t length = 0;
  std::vector<Extent> changed_areas;
};

// A malformed reply: not XML, not a SOAP envelope, a missing or repeated element, a number that
// is not a whole non-negative xsd:long.
class ChangedAreasReplyError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Parses a whole SOAP response body. Throws SoapFault or ChangedAreasReplyError.
DiskChangeInfo parse_changed_disk_areas_reply(std::string_view xml);

}  // namespace mm::cbt
