#pragma once
// Sizes, rates and durations as mm-bench reads them from its command line and prints them.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mm::bench {

// "262144", "256K", "1M", "2G" (binary multiples; "KiB"/"MiB"/"GiB" too). Throws
// std::invalid_argument naming `what`.
uint64_t parse_size(std::string_view text, const std::string& what);
// "1,2,4" -> {1, 2, 4}; each item through parse_size.
std::vector<uint64_t> parse_size_list(std::string_view text, const std::string& what);

// "123.4 MiB", "1.00 GiB": for tables.
std::string format_bytes(double bytes);
// "123.4 MiB/s".
std::string format_rate(double bytes_per_second);
// "45s", "3m12s", "2h05m", "1d03h": short, for tables.
std::string format_seconds(double seconds);

}  // namespace mm::bench
