// Go duration text, as targets store connection_timeout ("5m0s").
#include <gtest/gtest.h>

#include <stdexcept>

#include "common/go_duration.h"

namespace mm {
namespace {
using namespace std::chrono_literals;
using std::chrono::nanoseconds;

TEST(GoDuration, ParsesWhatGoPrints) {
  EXPECT_EQ(parse_go_duration("5m0s"), nanoseconds(5min));
  EXPECT_EQ(parse_go_duration("1h0m0s"), nanoseconds(1h));
  EXPECT_EQ(parse_go_duration("1h30m"), nanoseconds(90min));
  EXPECT_EQ(parse_go_duration("300ms"), nanoseconds(300ms));
  EXPECT_EQ(parse_go_duration("1.5s"), nanoseconds(1500ms));
  EXPECT_EQ(parse_go_duration(".5s"), nanoseconds(500ms));
  EXPECT_EQ(parse_go_duration("2us"), nanoseconds(2us));
  EXPECT_EQ(parse_go_duration("2\xC2\xB5s"), nanoseconds(2us));
  EXPECT_EQ(parse_go_duration("7ns"), nanoseconds(7));
  EXPECT_EQ(parse_go_duration("0"), nanoseconds(0));
  EXPECT_EQ(parse_go_duration("-1m"), -nanoseconds(1min));
  EXPECT_EQ(parse_go_duration("+10s"), nanoseconds(10s));
  EXPECT_EQ(parse_go_duration("2562047h47m16.854775807s").count(), INT64_MAX);
  EXPECT_EQ(parse_go_duration("-2562047h47m16.854775808s").count(), INT64_MIN);
}

TEST(GoDuration, RejectsGarbageNamingTheField) {
  for (const char* bad : {"", "5", "m", "5 m", "5mm", "1.5.2s", "5m0", "1d", ".s", "-", "1e3s",
                          "2562047h47m16.854775808s", "99999999999999999999h"}) {
    try {
      parse_go_duration(bad, "connection_timeout");
      ADD_FAILURE() << "accepted \"" << bad << "\"";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find("connection_timeout"), std::string::npos) << e.what();
    }
  }
}

TEST(GoDuration, FormatsAsGoDoes) {
  EXPECT_EQ(format_go_duration(5min), "5m0s");
  EXPECT_EQ(format_go_duration(1h), "1h0m0s");
  EXPECT_EQ(format_go_duration(90min + 5s), "1h30m5s");
  EXPECT_EQ(format_go_duration(1500ms), "1.5s");
  EXPECT_EQ(format_go_duration(250ms), "250ms");
  EXPECT_EQ(format_go_duration(2us), "2\xC2\xB5s");
  EXPECT_EQ(format_go_duration(nanoseconds(7)), "7ns");
  EXPECT_EQ(format_go_duration(nanoseconds(0)), "0s");
  EXPECT_EQ(format_go_duration(-nanoseconds(61s)), "-1m1s");
  for (auto d : {nanoseconds(5min), nanoseconds(1234567890123), nanoseconds(1)}) {
    EXPECT_EQ(parse_go_duration(format_go_duration(d)), d);
  }
}

// What a timeout or an interval may be (the API's connection_timeout, the CLI's prompt).
TEST(GoDuration, TimeoutsAreValidAndNotNegative) {
  for (const char* ok : {"5m0s", "1h", "90s", "1.5h", "100ms", "2h45m", ".5s", "0"}) {
    EXPECT_TRUE(is_go_duration(ok)) << ok;
  }
  for (const char* bad : {"", "5", "m", "5x", "5m0", "-1s", "1d"}) {
    EXPECT_FALSE(is_go_duration(bad)) << bad;
  }
}

}  // namespace
}  // namespace mm
