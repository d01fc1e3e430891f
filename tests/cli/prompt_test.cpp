// The prompt reader: defaults, yes/no, choices, numbers, re-asking, end of input.
#include <gtest/gtest.h>

#include <sstream>

#include "cli/prompt.h"

namespace mm::cli {
namespace {

struct Io {
  explicit Io(const std::string& input) : in(input) {}
  std::istringstream in;
  std::ostringstream out, err;
  Asker asker{in, out, err};
};

TEST(Prompt, EmptyAnswerTakesTheDefault) {
  Io io("\n  \n");
  EXPECT_EQ(io.asker.ask_string("Source name [default=esxi01]: ", "esxi01"), "esxi01");
  EXPECT_EQ(io.asker.ask_int("How many? [default=50]: ", 1, 1024, "50"), 50);
  EXPECT_EQ(io.out.str(), "Source name [default=esxi01]: How many? [default=50]: ");
}

TEST(Prompt, AnswersAreTrimmed) {
  Io io("  user  \r\n");
  EXPECT_EQ(io.asker.ask_string("Username: "), "user");
}

TEST(Prompt, YesNo) {
  Io io("yes\nN\nmaybe\ny\n\n");
  EXPECT_TRUE(io.asker.ask_bool("Q? (yes/no) [default=no]: ", "no"));
  EXPECT_FALSE(io.asker.ask_bool("Q? (yes/no) [default=no]: ", "no"));
  EXPECT_TRUE(io.asker.ask_bool("Q? (yes/no) [default=no]: ", "no"));  // after "maybe"
  EXPECT_NE(io.err.str().find("Invalid input"), std::string::npos);
  EXPECT_FALSE(io.asker.ask_bool("Q? (yes/no) [default=no]: ", "no"));
}

TEST(Prompt, ChoiceAndInvalidAnswersAreAskedAgain) {
  Io io("ldap\ntls\n");
  EXPECT_EQ(io.asker.ask_choice("Auth? [default=oidc]: ", {"oidc", "tls"}, "oidc"), "tls");
  EXPECT_EQ(io.out.str(), "Auth? [default=oidc]: Auth? [default=oidc]: ");
  EXPECT_EQ(io.err.str(), "Invalid input: must be one of oidc, tls\n\n");
}

TEST(Prompt, NumbersOutOfRangeOrNotNumbers) {
  Io io("abc\n0\n2000\n12x\n12\n");
  EXPECT_EQ(io.asker.ask_int("N: ", 1, 1024, "50"), 12);
  EXPECT_EQ(io.err.str(),
            "Invalid input: \"abc\" is not a number\n\n"
            "Invalid input: out of range\n\n"
            "Invalid input: out of range\n\n"
            "Invalid input: \"12x\" is not a number\n\n");
}

TEST(Prompt, ValidatorRefusalsAreExplained) {
  Io io("nothex\n\n");
  const auto check = [](const std::string& s) {
    if (!s.empty() && s.size() != 64) throw std::invalid_argument("Invalid SHA256 fingerprint");
  };
  EXPECT_EQ(io.asker.ask_string("Fingerprint []: ", "", check), "");
  EXPECT_EQ(io.err.str(), "Invalid input: Invalid SHA256 fingerprint\n\n");
}

TEST(Prompt, RequiredAnswerWithoutDefault) {
  Io io("\nuser\n");
  EXPECT_EQ(io.asker.ask_string("Username: "), "user");
  EXPECT_EQ(io.err.str(), "Invalid input, try again.\n\n");
}

TEST(Prompt, EndOfInputIsAnErrorNotTheDefault) {
  Io io("");
  EXPECT_THROW(io.asker.ask_string("Name [default=x]: ", "x"), PromptEof);
  Io partial("no newline");
  EXPECT_EQ(partial.asker.ask_string("Name: "), "no newline");  // a last line is still a line
  EXPECT_THROW(partial.asker.ask_bool("More? ", "no"), PromptEof);
  Io pw("");
  EXPECT_THROW(pw.asker.ask_password("Password: "), PromptEof);
}

TEST(Prompt, PasswordIsReadVerbatim) {
  Io io(" secret with spaces \n");
  EXPECT_EQ(io.asker.ask_password("Password: "), " secret with spaces ");
}

}  // namespace
}  // namespace mm::cli
