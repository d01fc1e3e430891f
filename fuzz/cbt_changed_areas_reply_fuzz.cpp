// Fuzzes the QueryChangedDiskAreas reply parser and the page validation: any reply is either a
// DiskChangeInfo, a SoapFault or a ChangedAreasReplyError; a page that passes validation holds
// only sorted areas inside its window.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string_view>

#include "cbt/changed_areas_reply.h"
#include "cbt/vmware_changed_areas.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view xml(reinterpret_cast<const char*>(data), size);
  mm::cbt::DiskChangeInfo info;
  try {
    info = mm::cbt::parse_changed_disk_areas_reply(xml);
  } catch (const mm::cbt::SoapFault&) {
    return 0;
  } catch (const mm::cbt::ChangedAreasReplyError&) {
    return 0;
  }
  // Validate as the page asked at the reply's own offset of a disk as large as the window says.
  const uint64_t capacity = info.start_offset + info.length;  // both < 2^63: no wrap
  try {
    mm::cbt::validate_changed_areas_page(info, info.start_offset, capacity);
  } catch (const std::runtime_error&) {
    return 0;
  }
  mm::cbt::ExtentSet set;
  uint64_t previous_end = info.start_offset;
  for (const mm::cbt::Extent& a : info.changed_areas) {
    if (a.offset < previous_end || a.end() > capacity || a.length == 0) std::abort();
    previous_end = a.end();
    set.add(a);
  }
  if (set.total_bytes() > info.length) std::abort();
  return 0;
}
