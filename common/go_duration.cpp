#include "common/go_duration.h"

#include <cstdint>
#include <stdexcept>

namespace mm {
namespace {

using u128 = unsigned __int128;
constexpr u128 kMaxMagnitude = u128(1) << 63;  // Go allows -1<<63 but not +1<<63

uint64_t unit_nanos(std::string_view unit) {
  if (unit == "ns") return 1;
  if (unit == "us" || unit == "\xC2\xB5s" || unit == "\xCE\xBCs") return 1000;  // us, µs, μs
  if (unit == "ms") return 1000000;
  if (unit == "s") return 1000000000;
  if (unit == "m") return 60ull * 1000000000;
  if (unit == "h") return 3600ull * 1000000000;
  return 0;
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// "12" or "1.5" with `precision` fractional digits of v / 10^precision, trailing zeros dropped.
std::string fixed(uint64_t v, int precision) {
  uint64_t scale = 1;
  for (int i = 0; i < precision; ++i) scale *= 10;
  std::string out = std::to_string(v / scale);
  uint64_t frac = v % scale;
  if (frac == 0) return out;
  std::string digits = std::to_string(frac);
  digits.insert(0, static_cast<size_t>(precision) - digits.size(), '0');
  while (!digits.empty() && digits.back() == '0') digits.pop_back();
  return out + "." + digits;
}

}  // namespace

std::chrono::nanoseconds parse_go_duration(std::string_view text, const std::string& field) {
  auto fail = [&](const std::string& why) -> std::invalid_argument {
    return std::invalid_argument(field + ": invalid duration \"" + std::string(text) +
                                 "\": " + why);
  };
  std::string_view s = text;
  bool negative = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return std::chrono::nanoseconds(0);
  if (s.empty()) throw fail("empty");
  u128 total = 0;
  while (!s.empty()) {
    // The number: integer digits, then an optional fraction; at least one digit overall.
    u128 whole = 0;
    size_t i = 0;
    bool overflow = false;
    for (; i < s.size() && is_digit(s[i]); ++i) {
      whole = whole * 10 + static_cast<unsigned>(s[i] - '0');
      if (whole > kMaxMagnitude) overflow = true;
    }
    bool had_digits = i > 0;
    uint64_t frac = 0, scale = 1;
    if (i < s.size() && s[i] == '.') {
      ++i;
      for (; i < s.size() && is_digit(s[i]); ++i) {
        had_digits = true;
        if (scale < 1000000000000000000ull) {  // digits beyond 18 cannot matter in nanoseconds
          frac = frac * 10 + static_cast<unsigned>(s[i] - '0');
          scale *= 10;
        }
      }
    }
    if (!had_digits) throw fail("expected a number");
    if (overflow) throw fail("out of range");
    size_t j = i;
    while (j < s.size() && s[j] != '.' && !is_digit(s[j])) ++j;
    if (j == i) throw fail("missing unit");
    const uint64_t unit = unit_nanos(s.substr(i, j - i));
    if (unit == 0) throw fail("unknown unit \"" + std::string(s.substr(i, j - i)) + "\"");
    total += whole * unit + static_cast<u128>(frac) * unit / scale;
    if (total > kMaxMagnitude || (!negative && total == kMaxMagnitude)) throw fail("out of range");
    s.remove_prefix(j);
  }
  if (total == kMaxMagnitude) return std::chrono::nanoseconds(INT64_MIN);  // only when negative
  const auto magnitude = static_cast<int64_t>(total);
  return std::chrono::nanoseconds(negative ? -magnitude : magnitude);
}

std::string format_go_duration(std::chrono::nanoseconds d) {
  const int64_t n = d.count();
  if (n == 0) return "0s";
  std::string sign = n < 0 ? "-" : "";
  const uint64_t u = n < 0 ? uint64_t(0) - static_cast<uint64_t>(n) : static_cast<uint64_t>(n);
  if (u < 1000) return sign + std::to_string(u) + "ns";
  if (u < 1000000) return sign + fixed(u, 3) + "\xC2\xB5s";
  if (u < 1000000000) return sign + fixed(u, 6) + "ms";
  const uint64_t secs = u / 1000000000;
  const uint64_t hours = secs / 3600, minutes = secs / 60 % 60;
  std::string out = sign;
  if (hours > 0) out += std::to_string(hours) + "h";
  if (hours > 0 || minutes > 0) out += std::to_string(minutes) + "m";
  return out + fixed(u % 60000000000ull, 9) + "s";
}

bool is_go_duration(std::string_view text) {
  try {
    return parse_go_duration(text).count() >= 0;
  } catch (const std::invalid_argument&) {
    return false;
  }
}

}  // namespace mm
