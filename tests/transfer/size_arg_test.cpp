#include "transfer/tool/size_arg.h"

#include <gtest/gtest.h>

namespace mm::transfer {
namespace {

TEST(SizeArg, UnitsAreBinaryMultiples) {
  EXPECT_EQ(parse_size_arg("65536", "--x"), 65536u);
  EXPECT_EQ(parse_size_arg("256K", "--x"), 256u * 1024);
  EXPECT_EQ(parse_size_arg("4MiB", "--x"), 4u << 20);
  EXPECT_EQ(parse_size_arg("1g", "--x"), 1u << 30);
  EXPECT_EQ(parse_size_arg("2TB", "--x"), 2ull << 40);
}

TEST(SizeArg, GarbageNamesTheFlag) {
  for (const char* bad : {"", "abc", "12Q", "-5", "99999999999999999999", "20000000T"}) {
    try {
      parse_size_arg(bad, "--request-size");
      ADD_FAILURE() << "accepted '" << bad << "'";
    } catch (const SizeArgError& e) {
      EXPECT_NE(std::string(e.what()).find("--request-size"), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace mm::transfer
