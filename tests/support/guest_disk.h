#pragma once
// A guest writing to a VMware disk with change tracking on, as the VMware test double
// (tests/vmware-sim) sees it: the data goes into the disk's flat image and each write is appended
// to the image's change journal (IMAGE.cbt.jsonl), which QueryChangedDiskAreas answers from. Shared
// by the flow tests (FlowWorld::guest_write) and the lab (lab/, mm-lab's guest churn).
#include <cstdint>
#include <string>
#include <vector>

namespace mm::test {

// `length` bytes of a pattern seeded by `seed` (xorshift: incompressible, differs per seed).
std::vector<char> guest_pattern(uint64_t length, uint32_t seed);
// Writes `data` at `offset` of `image`, then journals the write. Throws std::runtime_error.
void write_guest_bytes(const std::string& image, uint64_t offset, const std::vector<char>& data);
// Both: the pattern of `seed`, `length` bytes at `offset`.
void write_guest_data(const std::string& image, uint64_t offset, uint64_t length, uint32_t seed);

// Where the simulator keeps the flat image of a VM's first disk (the default backing
// "[DS] VM/VM.vmdk" in datastore directory DIR).
inline std::string flat_image_path(const std::string& datastore_dir, const std::string& vm) {
  return datastore_dir + "/" + vm + "/" + vm + "-flat.vmdk";
}

// The change journal of a flat image.
inline std::string change_journal(const std::string& image) {
  return image + ".cbt.jsonl";
}

}  // namespace mm::test
