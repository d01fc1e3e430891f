#include "bench/mm-bench/units.h"

#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace mm::bench {

uint64_t parse_size(std::string_view text, const std::string& what) {
  size_t i = 0;
  uint64_t n = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
    const uint64_t digit = static_cast<uint64_t>(text[i] - '0');
    if (n > (UINT64_MAX - digit) / 10) throw std::invalid_argument(what + ": too large");
    n = n * 10 + digit;
    ++i;
  }
  if (i == 0) throw std::invalid_argument(what + ": \"" + std::string(text) + "\" is not a size");
  std::string_view unit = text.substr(i);
  uint64_t mult = 1;
  if (unit.empty() || unit == "B") {
    mult = 1;
  } else if (unit == "K" || unit == "KiB") {
    mult = uint64_t{1} << 10;
  } else if (unit == "M" || unit == "MiB") {
    mult = uint64_t{1} << 20;
  } else if (unit == "G" || unit == "GiB") {
    mult = uint64_t{1} << 30;
  } else if (unit == "T" || unit == "TiB") {
    mult = uint64_t{1} << 40;
  } else {
    throw std::invalid_argument(what + ": \"" + std::string(text) +
                                "\" has an unknown unit (use K, M, G or T)");
  }
  if (n > UINT64_MAX / mult) throw std::invalid_argument(what + ": too large");
  return n * mult;
}

std::vector<uint64_t> parse_size_list(std::string_view text, const std::string& what) {
  std::vector<uint64_t> out;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t comma = text.find(',', start);
    const std::string_view item = text.substr(
        start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    out.push_back(parse_size(item, what));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

std::string format_bytes(double bytes) {
  static const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  size_t u = 0;
  while (std::fabs(bytes) >= 1024 && u + 1 < std::size(units)) {
    bytes /= 1024;
    ++u;
  }
  char buf[48];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", bytes, units[u]);
  return buf;
}

std::string format_rate(double bytes_per_second) {
  return format_bytes(bytes_per_second) + "/s";
}

std::string format_seconds(double seconds) {
  if (!std::isfinite(seconds)) return "-";
  char buf[48];
  const long long s = std::llround(std::max(0.0, seconds));
  if (seconds < 10) {
    std::snprintf(buf, sizeof buf, "%.1fs", std::max(0.0, seconds));
  } else if (s < 60) {
    std::snprintf(buf, sizeof buf, "%llds", s);
  } else if (s < 3600) {
    std::snprintf(buf, sizeof buf, "%lldm%02llds", s / 60, s % 60);
  } else if (s < 86400) {
    std::snprintf(buf, sizeof buf, "%lldh%02lldm", s / 3600, (s % 3600) / 60);
  } else {
    std::snprintf(buf, sizeof buf, "%lldd%02lldh", s / 86400, (s % 86400) / 3600);
  }
  return buf;
}

}  // namespace mm::bench
