#pragma once
// os-release(5): the KEY=VALUE file that names a Linux distribution.
#include <string>
#include <string_view>

namespace mm::inspect {

struct OsRelease {
  std::string id, name, version_id, pretty_name;
};

// Reads the keys the inspection reports; values may be quoted ('...' or "..." with backslash
// escapes). Unknown keys, comments and malformed lines are skipped; values come back cleaned
// (text.h) and at most 256 bytes long.
OsRelease parse_os_release(std::string_view text);

}  // namespace mm::inspect
