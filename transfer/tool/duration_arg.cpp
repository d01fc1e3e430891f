#include "transfer/tool/duration_arg.h"

#include <stdexcept>

#include "common/go_duration.h"

namespace mm::transfer {

std::chrono::milliseconds parse_duration_arg(const std::string& text, const std::string& flag) {
  const auto bad = [&](const std::string& why) {
    return DurationArgError(flag + ": '" + text + "' " + why +
                            " (examples: 500ms, 2s, 1.5s, 10m, 1h; a bare number is seconds)");
  };
  // A bare number means seconds, as in most command-line tools; otherwise Go's syntax, which
  // the orchestrator's settings use too.
  const bool bare = !text.empty() && text.find_first_not_of("0123456789.") == std::string::npos;
  std::chrono::nanoseconds d{};
  try {
    d = parse_go_duration(bare ? text + "s" : text, flag);
  } catch (const std::invalid_argument&) {
    throw bad("is not a duration");
  }
  if (d.count() < 0) throw bad("is negative");
  return std::chrono::duration_cast<std::chrono::milliseconds>(d);
}

}  // namespace mm::transfer
