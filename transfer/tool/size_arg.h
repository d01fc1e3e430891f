#pragma once
// Byte counts on the command line: 4096, 256K, 1M, 2G (binary multiples), optionally with "iB"/"B".
#include <cstdint>
#include <stdexcept>
#include <string>

namespace mm::transfer {

struct SizeArgError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

uint64_t parse_size_arg(const std::string& text, const std::string& flag);

}  // namespace mm::transfer
