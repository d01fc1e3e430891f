#include "orchestrator/state/instance_name.h"

#include <cctype>

namespace mm::state {

std::string target_instance_name(const std::string& source_name) {
  std::string out;
  for (unsigned char c : source_name) {
    if (std::isalnum(c) != 0 || c == '-') out += static_cast<char>(c);
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  if (out.empty() || std::isalpha(static_cast<unsigned char>(out[0])) == 0) out = "vm-" + out;
  if (out.size() > 63) out.resize(63);
  while (out.back() == '-') out.pop_back();
  return out;
}

}  // namespace mm::state
