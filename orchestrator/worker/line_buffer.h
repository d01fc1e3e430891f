#pragma once
// Splits what a pipe delivers into lines. A line longer than the limit is cut there: a runaway
// writer cannot make the daemon hold unbounded memory.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace mm::worker {

class LineBuffer {
 public:
  explicit LineBuffer(size_t max_line = 64 * 1024) : max_line_(max_line) {}
  // Appends bytes; returns the lines they completed (without their '\n').
  std::vector<std::string> append(std::string_view bytes);
  // At end of input: the unterminated last line, if any.
  std::string take_rest();

 private:
  size_t max_line_;
  std::string partial_;
};

}  // namespace mm::worker
