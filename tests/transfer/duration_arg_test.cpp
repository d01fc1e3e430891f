#include "transfer/tool/duration_arg.h"

#include <gtest/gtest.h>

namespace mm::transfer {
namespace {

using std::chrono::milliseconds;

TEST(DurationArg, Units) {
  EXPECT_EQ(parse_duration_arg("500ms", "--x"), milliseconds(500));
  EXPECT_EQ(parse_duration_arg("2s", "--x"), milliseconds(2000));
  EXPECT_EQ(parse_duration_arg("1.5s", "--x"), milliseconds(1500));
  EXPECT_EQ(parse_duration_arg("3", "--x"), milliseconds(3000));
  EXPECT_EQ(parse_duration_arg("10m", "--x"), milliseconds(600000));
  EXPECT_EQ(parse_duration_arg("1h", "--x"), milliseconds(3600000));
  EXPECT_EQ(parse_duration_arg("0", "--x"), milliseconds(0));
}

TEST(DurationArg, GarbageNamesTheFlag) {
  for (const char* bad : {"", "abc", "5 s", "-1s", "2d", "1e300s", "s"}) {
    try {
      parse_duration_arg(bad, "--stall-timeout");
      ADD_FAILURE() << "accepted '" << bad << "'";
    } catch (const DurationArgError& e) {
      EXPECT_NE(std::string(e.what()).find("--stall-timeout"), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace mm::transfer
