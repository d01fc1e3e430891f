#pragma once
// GPT GUIDs: stored mixed-endian (the first three fields little-endian), shown in the canonical
// upper-case form, e.g. C12A7328-F81F-11D2-BA4B-00A0C93EC93B.
#include <cstdint>
#include <span>
#include <string>

namespace mm::inspect {

// `raw` holds at least 16 bytes.
std::string format_guid(std::span<const uint8_t> raw);
bool is_zero_guid(std::span<const uint8_t> raw);

}  // namespace mm::inspect
