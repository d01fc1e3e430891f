// Fuzzes the extents-file parser: any input either parses into a canonical set that survives a
// write/read round trip, or is rejected with ExtentsFileError, nothing else.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "cbt/extents_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  mm::cbt::ExtentSet set;
  try {
    set = mm::cbt::parse_extents_json(text);
  } catch (const mm::cbt::ExtentsFileError&) {
    return 0;
  }
  uint64_t previous_end = 0;
  for (const mm::cbt::Extent& e : set) {
    if (e.length == 0 || e.offset > mm::cbt::ExtentSet::kMaxEnd - e.length) std::abort();
    if (previous_end != 0 && e.offset <= previous_end) std::abort();
    previous_end = e.end();
  }
  if (!(mm::cbt::parse_extents_json(mm::cbt::format_extents_json(set)) == set)) std::abort();
  return 0;
}
