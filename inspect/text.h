#pragma once
// Text found on a disk (labels, os-release values) made safe to print and to put in JSON: valid
// UTF-8 without control characters.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace mm::inspect {

// Replaces control characters and bytes that are not valid UTF-8 with '?'.
std::string clean_text(std::string_view raw);
// A fixed-size on-disk text field: up to the first NUL, trailing spaces dropped, cleaned.
std::string fixed_field(std::span<const uint8_t> field);
// UTF-16LE (NTFS, GPT names) to clean UTF-8; unpaired surrogates become '?'. Stops at a NUL.
std::string utf16le_to_utf8(std::span<const uint8_t> field);

}  // namespace mm::inspect
