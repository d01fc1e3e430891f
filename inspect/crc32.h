#pragma once
// CRC-32 (IEEE 802.3, reflected, as GPT headers and entry arrays use).
#include <cstdint>
#include <span>

namespace mm::inspect {

uint32_t crc32(std::span<const uint8_t> data, uint32_t crc = 0);

}  // namespace mm::inspect
