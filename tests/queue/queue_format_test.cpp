// The `queue list` cells that are computed rather than copied: the age of the last update, as
// Go prints a duration, and the migration window in Go's time format.
#include <gtest/gtest.h>

#include <chrono>

#include "cli/commands.h"

namespace mm::cli {
namespace {

std::chrono::system_clock::time_point at(time_t t) {
  return std::chrono::system_clock::from_time_t(t);
}

constexpr time_t kBase = 1764550800;  // 2025-12-01T01:00:00Z

TEST(QueueFormat, AgeIsGoDurationTruncatedToSeconds) {
  EXPECT_EQ(queue_age("2025-12-01T01:00:00Z", at(kBase + 4)), "4s ago");
  EXPECT_EQ(queue_age("2025-12-01T00:59:56.700Z", at(kBase)), "3s ago");
  EXPECT_EQ(queue_age("2025-12-01T01:00:00Z", at(kBase)), "0s ago");
  EXPECT_EQ(queue_age("2025-12-01T01:00:00Z", at(kBase + 180)), "3m0s ago");
  EXPECT_EQ(queue_age("2025-12-01T01:00:00Z", at(kBase + 192)), "3m12s ago");
  EXPECT_EQ(queue_age("2025-12-01T01:00:00Z", at(kBase + 7205)), "2h0m5s ago");
  EXPECT_EQ(queue_age("2025-12-01T02:00:00+01:00", at(kBase + 4)), "4s ago");
  EXPECT_EQ(queue_age("2025-11-30T19:00:00-06:00", at(kBase + 4)), "4s ago");
  EXPECT_EQ(queue_age("", at(kBase)), "No update");
  EXPECT_EQ(queue_age("yesterday", at(kBase)), "yesterday");
  EXPECT_EQ(queue_age("2025-12-01T01:00:00", at(kBase)), "2025-12-01T01:00:00");
}

TEST(QueueFormat, WindowAsTheDocumentsShowIt) {
  EXPECT_EQ(queue_window_text(Json{{"name", "window1"},
                                   {"start", "2025-12-01T01:00:00Z"},
                                   {"end", "2025-12-01T01:10:00Z"},
                                   {"lockout", ""}}),
            "2025-12-01 01:00:00 +0000 UTC - 2025-12-01 01:10:00 +0000 UTC");
  EXPECT_EQ(queue_window_text(Json{{"start", "2025-12-01T01:00:00Z"},
                                   {"end", "2025-12-01T03:00:00Z"},
                                   {"lockout", "2025-12-01T02:30:00Z"}}),
            "2025-12-01 01:00:00 +0000 UTC - 2025-12-01 03:00:00 +0000 UTC (lockout 2025-12-01 "
            "02:30:00 +0000 UTC)");
  EXPECT_EQ(queue_window_text(Json()), "none");
  EXPECT_EQ(queue_window_text(Json::object()), "none");
  EXPECT_EQ(queue_window_text(Json{{"name", "w"}, {"start", ""}, {"end", ""}}), "none");
}

}  // namespace
}  // namespace mm::cli
