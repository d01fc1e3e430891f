#include "inspect/guid.h"

#include <cstdio>

namespace mm::inspect {

std::string format_guid(std::span<const uint8_t> g) {
  if (g.size() < 16) return {};
  char s[37];
  snprintf(s, sizeof s, "%02X%02X%02X%02X-%02X%02X-%02X%02X-%02X%02X-%02X%02X%02X%02X%02X%02X",
           g[3], g[2], g[1], g[0], g[5], g[4], g[7], g[6], g[8], g[9], g[10], g[11], g[12], g[13],
           g[14], g[15]);
  return s;
}

bool is_zero_guid(std::span<const uint8_t> raw) {
  for (size_t i = 0; i < 16 && i < raw.size(); ++i) {
    if (raw[i] != 0) return false;
  }
  return true;
}

}  // namespace mm::inspect
