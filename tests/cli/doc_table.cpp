#include "tests/cli/doc_table.h"

#include <stdexcept>

#include "tests/cli/testdata_util.h"

namespace mm::test {
namespace {

std::string trimmed(const std::string& s) {
  const size_t a = s.find_first_not_of(' ');
  if (a == std::string::npos) return "";
  return s.substr(a, s.find_last_not_of(' ') - a + 1);
}

}  // namespace

size_t DocTable::column(const std::string& name) const {
  for (size_t i = 0; i < header.size(); ++i) {
    if (header[i] == name) return i;
  }
  throw std::out_of_range("no column \"" + name + "\"");
}

std::map<std::string, std::vector<std::string>> DocTable::rows_by(const std::string& col) const {
  const size_t c = column(col);
  std::map<std::string, std::vector<std::string>> out;
  for (const auto& row : rows) {
    if (!out.emplace(row[c], row).second) {
      throw std::invalid_argument("two rows with " + col + " \"" + row[c] + "\"");
    }
  }
  return out;
}

std::string& DocTable::cell(const std::string& key_col, const std::string& key,
                            const std::string& col) {
  const size_t k = column(key_col), c = column(col);
  for (auto& row : rows) {
    if (row[k] == key) return row[c];
  }
  throw std::out_of_range("no row with " + key_col + " \"" + key + "\"");
}

DocTable& DocTable::replace_cells(const std::map<std::string, std::string>& subst) {
  for (auto& row : rows) {
    for (auto& c : row) {
      const auto it = subst.find(c);
      if (it != subst.end()) c = it->second;
    }
  }
  return *this;
}

DocTable parse_table(const std::string& text) {
  DocTable t;
  std::string rule;  // the first "+---+" line; all others must equal it
  std::vector<size_t> bars;
  bool have_header = false;
  for (const std::string& line : lines_of(text)) {
    if (line.empty()) continue;
    if (line[0] == '+') {
      if (rule.empty()) {
        rule = line;
        for (size_t i = 0; i < line.size(); ++i) {
          if (line[i] == '+') bars.push_back(i);
        }
      } else if (line != rule) {
        throw std::invalid_argument("rule differs from the first one: " + line);
      }
      continue;
    }
    if (line[0] != '|' || rule.empty() || line.size() != rule.size()) {
      throw std::invalid_argument("not a table line under its rule: " + line);
    }
    std::vector<std::string> cells;
    for (size_t b = 0; b + 1 < bars.size(); ++b) {
      if (line[bars[b]] != '|' || line[bars[b + 1]] != '|') {
        throw std::invalid_argument("bars not under the rule's '+': " + line);
      }
      cells.push_back(trimmed(line.substr(bars[b] + 1, bars[b + 1] - bars[b] - 1)));
    }
    if (!have_header) {
      t.header = cells;
      have_header = true;
    } else {
      t.rows.push_back(cells);
    }
  }
  if (!have_header) throw std::invalid_argument("no table in: " + text);
  return t;
}

}  // namespace mm::test
