#pragma once
// Time as the API shows it: Go's RFC 3339 with nanoseconds, UTC.
#include <chrono>
#include <string>

namespace mm::inventory {

// Go's zero time.Time, what an override that was never set reports as last_update.
inline constexpr const char* kZeroTime = "0001-01-01T00:00:00Z";

// "2025-11-18T23:47:23.992054737Z"
std::string now_rfc3339();
std::string format_rfc3339(std::chrono::system_clock::time_point t);

}  // namespace mm::inventory
