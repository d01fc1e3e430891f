#pragma once
// Durations on the command line: 500ms, 2s, 1.5s, 10m, 1h; a bare number is seconds; 0 is zero.
#include <chrono>
#include <stdexcept>
#include <string>

namespace mm::transfer {

struct DurationArgError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Throws DurationArgError naming `flag` and the accepted forms.
std::chrono::milliseconds parse_duration_arg(const std::string& text, const std::string& flag);

}  // namespace mm::transfer
