#pragma once
// Migration window times. Users write "2025-12-01 01:00:00" (UTC) in YAML, the REST API carries
// RFC 3339, and tables show Go's time.String() of a UTC time ("2025-12-01 01:00:00 +0000 UTC").
#include <optional>
#include <string>
#include <string_view>

#include "orchestrator/batch/batch_config.h"

namespace mm::batch {

// "YYYY-MM-DD HH:MM:SS[.fraction]" (UTC) or RFC 3339 ("2025-12-01T01:00:00Z",
// "2025-12-01T03:00:00+02:00", fractions allowed). nullopt when `text` is neither.
std::optional<TimePoint> parse_window_time(std::string_view text);

// "2025-12-01 01:00:00", with ".123" fractional seconds only when there are any: the YAML form.
std::string format_window_time_yaml(TimePoint t);
// "2025-12-01T01:00:00Z" (fraction only when non-zero): the JSON form.
std::string format_rfc3339(TimePoint t);
// Go's time.Time.String() of a UTC time: "2025-12-01 01:00:00 +0000 UTC" (fraction trimmed of
// trailing zeros, as Go prints it). The queue list's Migration Window column.
std::string format_window_time(TimePoint t);

// True when the time is set (the zero TimePoint means unset / unlimited).
inline bool is_set(TimePoint t) {
  return t != TimePoint{};
}

}  // namespace mm::batch
