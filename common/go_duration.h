#pragma once
// Go's time.Duration text ("5m0s", "1h30m", "250ms", "1.5s"), which the reference tool and Incus
// use for timeouts such as a target's connection_timeout.
#include <chrono>
#include <string>
#include <string_view>

namespace mm {

// Parses what Go's time.ParseDuration accepts: an optional sign, then one or more decimal numbers
// each with a unit (ns, us, µs, ms, s, m, h); a bare "0" is zero. Throws std::invalid_argument
// naming `field` on anything else or on overflow.
std::chrono::nanoseconds parse_go_duration(std::string_view text,
                                           const std::string& field = "duration");

// True when `text` parses and is not negative: what a timeout or an interval may be.
bool is_go_duration(std::string_view text);

// Formats as Go's Duration.String() does: "5m0s", "1h0m0s", "1.5s", "250ms", "0s".
std::string format_go_duration(std::chrono::nanoseconds d);

}  // namespace mm
