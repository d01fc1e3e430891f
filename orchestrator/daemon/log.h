#pragma once
// The daemon's log: one line per event on stderr, with a UTC timestamp. Callers never pass request
// bodies or secrets here; request lines are method, path, status and transport only.
#include <string>

namespace mm::daemon {

void log_line(const std::string& message);

}  // namespace mm::daemon
