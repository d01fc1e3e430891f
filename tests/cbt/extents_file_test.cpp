// The extents file: [{"offset":N,"length":N},...] parsed into an ExtentSet, errors named by
// element, and written back in canonical form.
#include "cbt/extents_file.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace mm::cbt {
namespace {

TEST(ExtentsFile, ParsesUnsortedOverlappingElementsIntoTheirUnion) {
  const ExtentSet s = parse_extents_json(R"([
    {"offset": 1048576, "length": 65536},
    {"length": 4096, "offset": 0},
    {"offset": 1081344, "length": 65536},
    {"offset": 4096, "length": 4096},
    {"offset": 100, "length": 0}
  ])");
  const std::vector<Extent> want = {{0, 8192}, {1048576, 98304}};
  EXPECT_EQ(s.extents(), want);
}

TEST(ExtentsFile, EmptyArrayIsAnEmptySet) {
  EXPECT_TRUE(parse_extents_json("[]").empty());
  EXPECT_TRUE(parse_extents_json(" \n[ ]\n").empty());
}

TEST(ExtentsFile, LargestOffsetsAreAccepted) {
  const ExtentSet s =
      parse_extents_json(R"([{"offset":9223372036854775806,"length":1},{"offset":0,"length":9223372036854775807}])");
  EXPECT_EQ(s.total_bytes(), uint64_t(INT64_MAX));
}

struct Bad {
  const char* json;
  const char* problem;
};

TEST(ExtentsFile, ErrorsNameTheElementAndTheProblem) {
  const std::vector<Bad> cases = {
      {"", "not valid JSON at byte"},
      {"{}", "must be a JSON array"},
      {"42", "must be a JSON array"},
      {R"([{"offset":0,"length":1}] x)", "not valid JSON at byte"},
      {R"([{"offset":0,"length":1}][])", "not valid JSON"},
      {R"([{"offset":0,"length":1},)", "not valid JSON"},
      {R"([{"offset":0,"length":1}, 5])", "element 1: is a number, not an object"},
      {R"([[0,1]])", "element 0: is an array, not an object"},
      {R"([{"offset":0,"length":1},{"offset":-4096,"length":1}])", "element 1: \"offset\" is negative (-4096)"},
      {R"([{"offset":0,"length":-1}])", "element 0: \"length\" is negative (-1)"},
      {R"([{"offset":0,"length":-99999999999999999999}])", "element 0: \"length\" is negative"},
      {R"([{"offset":1.5,"length":1}])", "element 0: \"offset\" is not an integer (1.5)"},
      {R"([{"offset":1e3,"length":1}])", "element 0: \"offset\" is not an integer (1e3)"},
      {R"([{"offset":"0","length":1}])", "element 0: \"offset\" is a string, not an integer"},
      {R"([{"offset":null,"length":1}])", "element 0: \"offset\" is null, not an integer"},
      {R"([{"offset":true,"length":1}])", "element 0: \"offset\" is a boolean, not an integer"},
      {R"([{"offset":{},"length":1}])", "element 0: \"offset\" is an object, not an integer"},
      {R"([{"offset":[1],"length":1}])", "element 0: \"offset\" is an array, not an integer"},
      {R"([{"offset":18446744073709551616,"length":1}])", "element 0: \"offset\" overflows 64 bits"},
      {R"([{"offset":9223372036854775808,"length":1}])", "element 0: \"offset\" exceeds 2^63-1"},
      {R"([{"offset":9223372036854775807,"length":1}])", "element 0: offset + length passes 2^63-1"},
      {R"([{"offset":0,"length":1},{"length":1}])", "element 1: missing \"offset\""},
      {R"([{"offset":0}])", "element 0: missing \"length\""},
      {R"([{"offset":0,"length":1,"flags":2}])", "element 0: unexpected key \"flags\""},
      {R"([{"offset":0,"offset":5,"length":1}])", "element 0: duplicate key \"offset\""},
      {R"([{"offset":0,"length":1)", "not valid JSON"},
      {R"([{"offset":01,"length":1}])", "not valid JSON"},
  };
  for (const Bad& b : cases) {
    try {
      parse_extents_json(b.json);
      ADD_FAILURE() << b.json << ": accepted";
    } catch (const ExtentsFileError& e) {
      EXPECT_NE(std::string(e.what()).find(b.problem), std::string::npos)
          << b.json << ": " << e.what();
    }
  }
}

TEST(ExtentsFile, FormatIsCanonicalAndRoundTrips) {
  ExtentSet s;
  s.add(65536, 4096);
  s.add(0, 512);
  EXPECT_EQ(format_extents_json(s),
            "[{\"offset\":0,\"length\":512},{\"offset\":65536,\"length\":4096}]\n");
  EXPECT_EQ(format_extents_json(ExtentSet{}), "[]\n");
  EXPECT_EQ(parse_extents_json(format_extents_json(s)), s);
}

class ExtentsFileOnDisk : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "cbt-extents-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

TEST_F(ExtentsFileOnDisk, WriteThenRead) {
  ExtentSet s;
  for (uint64_t i = 0; i < 1000; ++i) s.add(i * 1048576, 65536);
  const auto path = dir_ / "changes.json";
  write_extents_file(path, s);
  EXPECT_FALSE(std::filesystem::exists(dir_ / "changes.json.tmp"));
  EXPECT_EQ(read_extents_file(path), s);
}

TEST_F(ExtentsFileOnDisk, ReadErrorsNameThePath) {
  const auto path = dir_ / "bad.json";
  std::ofstream(path) << R"([{"offset":0,"length":"x"}])";
  try {
    read_extents_file(path);
    FAIL() << "accepted";
  } catch (const ExtentsFileError& e) {
    EXPECT_NE(std::string(e.what()).find(path.string()), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("element 0"), std::string::npos) << e.what();
  }
  EXPECT_THROW(read_extents_file(dir_ / "missing.json"), ExtentsFileError);
}

}  // namespace
}  // namespace mm::cbt
