#pragma once
// The reference CLI's ASCII tables: `+---+` borders, headers centred, cells left-aligned and a
// separator line after every row, column widths from the widest line of any cell.
#include <string>
#include <vector>

namespace mm::cli {

using Row = std::vector<std::string>;

// `header` may be empty (no header block). Cells may hold several lines ("\n").
std::string render_table(const Row& header, const std::vector<Row>& rows);
// The same without borders or separators ("compact").
std::string render_compact(const Row& header, const std::vector<Row>& rows);

// Natural order: digit runs compare by value ("vm2" < "vm10"), the rest byte by byte.
bool natural_less(const std::string& a, const std::string& b);
// Rows in natural order, column by column from the left; empty cells sort last.
void sort_rows(std::vector<Row>& rows);

// Display width of UTF-8 text (code points; continuation bytes do not count).
size_t display_width(const std::string& s);

}  // namespace mm::cli
