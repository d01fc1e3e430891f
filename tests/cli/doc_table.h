#pragma once
// The tables the CLI and the documents print, read as cells. Widths follow the longest cell (an
// endpoint on 127.0.0.1 is wider than the document's), so tables are compared cell by cell:
// column names, their order and each cell's text.
#include <map>
#include <string>
#include <vector>

namespace mm::test {

struct DocTable {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;

  // The index of a column; throws std::out_of_range naming it when there is none.
  size_t column(const std::string& name) const;
  // The rows keyed by one column's text (the documents' row order is not the product's).
  std::map<std::string, std::vector<std::string>> rows_by(const std::string& column) const;
  // The cell in column `col` of the row whose `key_col` is `key`; throws when absent.
  std::string& cell(const std::string& key_col, const std::string& key, const std::string& col);
  // Cells whose whole text is a key of `subst` get its value (the document's endpoint -> ours).
  DocTable& replace_cells(const std::map<std::string, std::string>& subst);
};

// Parses a bordered table ("+---+" rules, "| a | b |" lines, cells trimmed). Throws
// std::invalid_argument when it is not well formed: every rule must be the same, and every '|'
// line must have its bars exactly under the rule's '+', so a misaligned table fails the test.
DocTable parse_table(const std::string& text);

}  // namespace mm::test
