#include "cli/table.h"

#include <algorithm>
#include <cctype>
#include <sstream>

namespace mm::cli {
namespace {

std::vector<std::string> split_lines(const std::string& s) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == '\n') {
      out.push_back(cur);
      cur.clear();
    } else if (c != '\r') {
      cur += c;
    }
  }
  out.push_back(cur);
  return out;
}

std::vector<size_t> column_widths(const Row& header, const std::vector<Row>& rows) {
  size_t ncols = header.size();
  for (const auto& r : rows) ncols = std::max(ncols, r.size());
  std::vector<size_t> w(ncols, 0);
  auto grow = [&](const Row& r) {
    for (size_t i = 0; i < r.size(); ++i) {
      for (const auto& line : split_lines(r[i])) w[i] = std::max(w[i], display_width(line));
    }
  };
  grow(header);
  for (const auto& r : rows) grow(r);
  return w;
}

std::string border(const std::vector<size_t>& w) {
  std::string s = "+";
  for (size_t x : w) s += std::string(x + 2, '-') + "+";
  return s + "\n";
}

// One table row, possibly several lines high; `centre` for the header.
std::string row_lines(const Row& r, const std::vector<size_t>& w, bool centre, bool borders) {
  std::vector<std::vector<std::string>> cells(w.size());
  size_t height = 1;
  for (size_t i = 0; i < w.size(); ++i) {
    cells[i] = split_lines(i < r.size() ? r[i] : "");
    height = std::max(height, cells[i].size());
  }
  std::string out;
  for (size_t line = 0; line < height; ++line) {
    std::string s = borders ? "|" : "";
    for (size_t i = 0; i < w.size(); ++i) {
      const std::string text = line < cells[i].size() ? cells[i][line] : "";
      const size_t gap = w[i] - display_width(text);
      // tablewriter centres with the smaller half on the left.
      const size_t left = centre ? gap / 2 : 0;
      if (borders) {
        s += " " + std::string(left, ' ') + text + std::string(gap - left, ' ') + " |";
      } else {
        s += (i ? "  " : "") + std::string(left, ' ') + text + std::string(gap - left, ' ');
      }
    }
    if (!borders) {
      while (!s.empty() && s.back() == ' ') s.pop_back();
    }
    out += s + "\n";
  }
  return out;
}

}  // namespace

size_t display_width(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) {
    if ((c & 0xC0) != 0x80) ++n;
  }
  return n;
}

std::string render_table(const Row& header, const std::vector<Row>& rows) {
  const auto w = column_widths(header, rows);
  const std::string line = border(w);
  std::string out = line;
  if (!header.empty()) out += row_lines(header, w, true, true) + line;
  for (const auto& r : rows) out += row_lines(r, w, false, true) + line;
  return out;
}

std::string render_compact(const Row& header, const std::vector<Row>& rows) {
  const auto w = column_widths(header, rows);
  std::string out;
  if (!header.empty()) out += row_lines(header, w, false, false);
  for (const auto& r : rows) out += row_lines(r, w, false, false);
  return out;
}

bool natural_less(const std::string& a, const std::string& b) {
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    const bool da = digit(a[i]), db = digit(b[j]);
    if (da != db) return da;  // digits sort before other characters
    if (!da) {
      if (a[i] != b[j]) return static_cast<unsigned char>(a[i]) < static_cast<unsigned char>(b[j]);
      ++i;
      ++j;
      continue;
    }
    // Compare the numbers by value: skip leading zeros, then the longer run is larger.
    size_t za = i, zb = j;
    while (za < a.size() && a[za] == '0') ++za;
    while (zb < b.size() && b[zb] == '0') ++zb;
    size_t ea = za, eb = zb;
    while (ea < a.size() && digit(a[ea])) ++ea;
    while (eb < b.size() && digit(b[eb])) ++eb;
    if (ea - za != eb - zb) return ea - za < eb - zb;
    const int c = a.compare(za, ea - za, b, zb, eb - zb);
    if (c != 0) return c < 0;
    if (za - i != zb - j) return za - i < zb - j;  // fewer leading zeros first
    i = ea;
    j = eb;
  }
  return a.size() - i < b.size() - j;
}

void sort_rows(std::vector<Row>& rows) {
  std::stable_sort(rows.begin(), rows.end(), [](const Row& x, const Row& y) {
    for (size_t k = 0; k < x.size() && k < y.size(); ++k) {
      if (x[k] == y[k]) continue;
      if (x[k].empty()) return false;
      if (y[k].empty()) return true;
      return natural_less(x[k], y[k]);
    }
    return false;
  });
}

}  // namespace mm::cli
