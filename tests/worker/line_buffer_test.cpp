#include "orchestrator/worker/line_buffer.h"

#include <gtest/gtest.h>

namespace mm::worker {

TEST(LineBuffer, JoinsPiecesAndSplitsLines) {
  LineBuffer b;
  EXPECT_TRUE(b.append("{\"a\":").empty());
  EXPECT_EQ(b.append("1}\n{\"b\":2}\nrest"), (std::vector<std::string>{"{\"a\":1}", "{\"b\":2}"}));
  EXPECT_EQ(b.take_rest(), "rest");
  EXPECT_EQ(b.take_rest(), "");
}

TEST(LineBuffer, KeepsEmptyLines) {
  LineBuffer b;
  EXPECT_EQ(b.append("\n\nx\n"), (std::vector<std::string>{"", "", "x"}));
}

TEST(LineBuffer, CutsALineAtTheLimit) {
  LineBuffer b(4);
  EXPECT_TRUE(b.append("abcdefgh").empty());
  EXPECT_EQ(b.append("ij\nkl\n"), (std::vector<std::string>{"abcd", "kl"}));
}

}  // namespace mm::worker
