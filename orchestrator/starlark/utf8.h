// UTF-8 helpers for string methods that work on code points (elems are bytes).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace mm::starlark {

// Decodes UTF-8; invalid bytes decode as U+FFFD, one per byte.
std::vector<uint32_t> utf8_decode(const std::string& s);
void utf8_append(std::string& out, uint32_t cp);
std::string repr_string(const std::string& s);  // quoted like repr()

}  // namespace mm::starlark
