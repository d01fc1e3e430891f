#pragma once
// Partition type names as the inspection reports them: a few well-known kinds by name, anything
// else as "other:<GUID>" (GPT) or "other:0xNN" (MBR).
#include <cstdint>
#include <string>

namespace mm::inspect {

inline constexpr const char* kTypeEfiSystem = "efi-system";
inline constexpr const char* kTypeExtended = "extended";
inline constexpr const char* kTypeBiosBoot = "other:21686148-6449-6E6F-744E-656564454649";

// `guid` in the canonical upper-case form (guid.h).
std::string gpt_type_name(const std::string& guid);
std::string mbr_type_name(uint8_t type);
bool is_mbr_extended(uint8_t type);

}  // namespace mm::inspect
