#include "orchestrator/batch/window_time.h"

#include <cstdio>

namespace mm::batch {
namespace {

using std::chrono::nanoseconds;

// Reads exactly `n` digits at `pos`; -1 when they are not all digits.
int digits(std::string_view s, size_t pos, size_t n) {
  if (pos + n > s.size()) return -1;
  int v = 0;
  for (size_t i = 0; i < n; ++i) {
    const char c = s[pos + i];
    if (c < '0' || c > '9') return -1;
    v = v * 10 + (c - '0');
  }
  return v;
}

struct Split {
  std::chrono::sys_days day;
  int64_t nanos;  // within the day
};

Split split(TimePoint t) {
  const auto ns = std::chrono::duration_cast<nanoseconds>(t.time_since_epoch());
  auto day = std::chrono::floor<std::chrono::days>(std::chrono::sys_time<nanoseconds>(ns));
  return {day, (ns - day.time_since_epoch()).count()};
}

// "2025-12-01" + sep + "01:00:00" + optional ".fraction" (trailing zeros dropped).
std::string format(TimePoint t, char sep, bool trim_fraction) {
  const Split s = split(t);
  const std::chrono::year_month_day ymd(s.day);
  const int64_t secs = s.nanos / 1000000000;
  const int64_t frac = s.nanos % 1000000000;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u%c%02d:%02d:%02d", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()), sep,
                static_cast<int>(secs / 3600), static_cast<int>(secs / 60 % 60),
                static_cast<int>(secs % 60));
  std::string out = buf;
  if (frac != 0) {
    std::snprintf(buf, sizeof buf, ".%09lld", static_cast<long long>(frac));
    std::string f = buf;
    if (trim_fraction) {
      while (f.back() == '0') f.pop_back();
    }
    out += f;
  }
  return out;
}

}  // namespace

std::optional<TimePoint> parse_window_time(std::string_view s) {
  // Date and time: "YYYY-MM-DD" then ' ' or 'T' then "HH:MM:SS".
  if (s.size() < 19 || s[4] != '-' || s[7] != '-' ||
      (s[10] != ' ' && s[10] != 'T' && s[10] != 't') || s[13] != ':' || s[16] != ':') {
    return std::nullopt;
  }
  const int year = digits(s, 0, 4), month = digits(s, 5, 2), day = digits(s, 8, 2);
  const int hour = digits(s, 11, 2), minute = digits(s, 14, 2), second = digits(s, 17, 2);
  if (year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0) return std::nullopt;
  const std::chrono::year_month_day ymd{std::chrono::year(year),
                                        std::chrono::month(static_cast<unsigned>(month)),
                                        std::chrono::day(static_cast<unsigned>(day))};
  // 1970..2261: what nanoseconds since the epoch hold (the epoch itself means "unset").
  if (!ymd.ok() || year < 1970 || year > 2261 || hour > 23 || minute > 59 || second > 59) {
    return std::nullopt;
  }
  size_t pos = 19;
  int64_t frac = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    int n = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (n < 9) frac = frac * 10 + (s[pos] - '0');
      ++n;
      ++pos;
    }
    if (n == 0) return std::nullopt;
    for (; n < 9; ++n) frac *= 10;
  }
  // Zone: none when written with a space (UTC), else Z or +HH:MM as RFC 3339 requires.
  int64_t offset_minutes = 0;
  const bool rfc = s[10] != ' ';
  if (pos == s.size()) {
    if (rfc) return std::nullopt;
  } else if (s[pos] == 'Z' || s[pos] == 'z') {
    if (++pos != s.size()) return std::nullopt;
  } else if ((s[pos] == '+' || s[pos] == '-') && s.size() == pos + 6 && s[pos + 3] == ':') {
    const int oh = digits(s, pos + 1, 2), om = digits(s, pos + 4, 2);
    if (oh < 0 || om < 0 || oh > 23 || om > 59) return std::nullopt;
    offset_minutes = (oh * 60 + om) * (s[pos] == '-' ? -1 : 1);
  } else {
    return std::nullopt;
  }
  const auto days = std::chrono::sys_days(ymd).time_since_epoch();
  const nanoseconds since = std::chrono::duration_cast<nanoseconds>(days) +
                            std::chrono::hours(hour) +
                            std::chrono::minutes(minute - offset_minutes) +
                            std::chrono::seconds(second) + nanoseconds(frac);
  return TimePoint(std::chrono::duration_cast<TimePoint::duration>(since));
}

std::string format_window_time_yaml(TimePoint t) {
  return format(t, ' ', true);
}

std::string format_rfc3339(TimePoint t) {
  return format(t, 'T', true) + "Z";
}

std::string format_window_time(TimePoint t) {
  return format(t, ' ', true) + " +0000 UTC";
}

}  // namespace mm::batch
