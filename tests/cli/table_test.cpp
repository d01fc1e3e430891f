// The table renderer against the documents' tables, cell for cell.
#include <gtest/gtest.h>

#include "cli/format.h"
#include "cli/table.h"
#include "tests/cli/testdata_util.h"

namespace mm::cli {
namespace {

using mm::test::lines_of;
using mm::test::testdata;

// The cells of a rendered table, trimmed: the header first, then the rows.
std::vector<Row> cells_of(const std::string& table) {
  std::vector<Row> out;
  for (const auto& line : lines_of(table)) {
    if (line.empty() || line[0] != '|') continue;
    Row r;
    size_t start = 1;
    while (start < line.size()) {
      const size_t bar = line.find('|', start);
      if (bar == std::string::npos) break;
      std::string cell = line.substr(start, bar - start);
      cell = cell.substr(1, cell.size() - 2);
      while (!cell.empty() && cell.back() == ' ') cell.pop_back();
      while (!cell.empty() && cell.front() == ' ') cell.erase(0, 1);
      r.push_back(cell);
      start = bar + 1;
    }
    out.push_back(r);
  }
  return out;
}

void expect_renders(const std::string& file) {
  const std::string expected = testdata(file);
  ASSERT_FALSE(expected.empty()) << file;
  auto cells = cells_of(expected);
  const Row header = cells.front();
  cells.erase(cells.begin());
  EXPECT_EQ(render_table(header, cells), expected) << file;
}

TEST(Table, SourceListsOfTheDocument) {
  expect_renders("source_list_untrusted.txt");
  expect_renders("source_list_ok.txt");
}

TEST(Table, TargetListOfTheDocument) {
  expect_renders("target_list.txt");
}
TEST(Table, InstanceListOfTheDocument) {
  expect_renders("instance_list.txt");
}
TEST(Table, NetworkListOfTheDocument) {
  expect_renders("network_list.txt");
}
TEST(Table, WarningListOfTheDocument) {
  expect_renders("warning_list.txt");
}

TEST(Table, NaturalSortGivesTheDocumentsOrder) {
  auto cells = cells_of(testdata("instance_list.txt"));
  cells.erase(cells.begin());
  std::vector<Row> shuffled = {cells[3], cells[0], cells[4], cells[2], cells[1]};
  sort_rows(shuffled);
  EXPECT_EQ(shuffled, cells);
}

TEST(Table, NaturalLess) {
  EXPECT_TRUE(natural_less("vm2", "vm10"));
  EXPECT_FALSE(natural_less("vm10", "vm2"));
  EXPECT_TRUE(natural_less("52cfcb6b", "5263adbf"));
  EXPECT_TRUE(natural_less("a", "ab"));
  EXPECT_TRUE(natural_less("1", "a"));  // digits first
  EXPECT_TRUE(natural_less("x01", "x001"));
  EXPECT_FALSE(natural_less("same", "same"));
}

TEST(Table, EmptyCellsSortLast) {
  std::vector<Row> rows = {{""}, {"b"}, {"a"}};
  sort_rows(rows);
  EXPECT_EQ(rows, (std::vector<Row>{{"a"}, {"b"}, {""}}));
}

TEST(Table, MultiLineCellsAndNoRows) {
  EXPECT_EQ(render_table({"A", "B"}, {{"x\ny", "z"}}),
            "+---+---+\n"
            "| A | B |\n"
            "+---+---+\n"
            "| x | z |\n"
            "| y |   |\n"
            "+---+---+\n");
  EXPECT_EQ(render_table({"Name"}, {}), "+------+\n| Name |\n+------+\n");
}

TEST(Table, WidthCountsCharactersNotBytes) {
  EXPECT_EQ(render_table({"N"}, {{"é"}}), "+---+\n| N |\n+---+\n| é |\n+---+\n");
}

TEST(Table, CompactAndCsvAndNoHeader) {
  const Row h = {"Name", "Type"};
  const std::vector<Row> rows = {{"esxi01", "vmware"}, {"a,b", "say \"hi\""}};
  EXPECT_EQ(render_list("compact", h, rows, nullptr),
            "Name    Type\nesxi01  vmware\na,b     say \"hi\"\n");
  EXPECT_EQ(render_list("csv", h, rows, nullptr), "esxi01,vmware\n\"a,b\",\"say \"\"hi\"\"\"\n");
  EXPECT_EQ(render_list("csv,header", h, {rows[0]}, nullptr), "Name,Type\nesxi01,vmware\n");
  EXPECT_EQ(render_list("table,noheader", h, {rows[0]}, nullptr),
            "+--------+--------+\n| esxi01 | vmware |\n+--------+--------+\n");
  EXPECT_THROW(render_list("xml", h, rows, nullptr), std::exception);
  EXPECT_THROW(validate_format("csv,fancy"), std::exception);
}

}  // namespace
}  // namespace mm::cli
