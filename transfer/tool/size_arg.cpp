#include "transfer/tool/size_arg.h"

#include <cctype>
#include <charconv>

namespace mm::transfer {

uint64_t parse_size_arg(const std::string& text, const std::string& flag) {
  uint64_t value = 0;
  const char* begin = text.data();
  const char* end = text.data() + text.size();
  auto [p, ec] = std::from_chars(begin, end, value);
  if (ec != std::errc() || p == begin) {
    throw SizeArgError(flag + ": '" + text + "' is not a size (examples: 65536, 256K, 4M, 1G)");
  }
  std::string suffix(p, end);
  for (auto& c : suffix) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (suffix.ends_with("IB")) suffix.resize(suffix.size() - 2);
  else if (suffix.size() > 1 && suffix.ends_with("B")) suffix.pop_back();
  unsigned shift = 0;
  if (suffix.empty() || suffix == "B") shift = 0;
  else if (suffix == "K") shift = 10;
  else if (suffix == "M") shift = 20;
  else if (suffix == "G") shift = 30;
  else if (suffix == "T") shift = 40;
  else throw SizeArgError(flag + ": unknown unit in '" + text + "' (use K, M, G or T)");
  if (shift && value > (UINT64_MAX >> shift)) throw SizeArgError(flag + ": '" + text + "' is too large");
  return value << shift;
}

}  // namespace mm::transfer
