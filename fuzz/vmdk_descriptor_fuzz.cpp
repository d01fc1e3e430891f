// Fuzzes the VMDK descriptor parser (text from a datastore): any input either parses into flat
// extents whose sizes add up, or is refused with VmdkDescriptorError; nothing else escapes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "transfer/vmdk_descriptor.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  mm::transfer::looks_like_vmdk_descriptor(text);
  mm::transfer::sparse_vmdk_magic(text);
  mm::transfer::VmdkDescriptor d;
  try {
    d = mm::transfer::parse_vmdk_descriptor(text);
  } catch (const mm::transfer::VmdkDescriptorError&) {
    return 0;
  }
  if (d.extents.empty() || d.create_type.empty()) std::abort();
  uint64_t sectors = 0;
  for (const auto& x : d.extents) {
    if (x.sectors == 0) std::abort();
    if (x.type == mm::transfer::VmdkExtent::Type::kFlat &&
        (x.file.empty() || x.file.front() == '/' || x.file.find("..") != std::string::npos)) {
      std::abort();
    }
    sectors += x.sectors;
  }
  if (sectors * mm::transfer::kVmdkSector != d.size_bytes() || d.size_bytes() > (1ull << 63)) {
    std::abort();
  }
  return 0;
}
