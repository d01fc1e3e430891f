#pragma once
// VMDK text descriptors (VMware's "Virtual Disk Format 5.0"): which files hold a disk's data and in
// what order. The datastore HTTPS source reads flat disks only, so a descriptor resolves either to
// a list of flat extents (monolithicFlat, vmfs, twoGbMaxExtentFlat, ...) or to a refusal naming the
// disk type (sparse, snapshot deltas, streamOptimized, raw device mappings).
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace mm::transfer {

struct VmdkExtent {
  enum class Type { kFlat, kZero };  // FLAT and VMFS extents are both plain data files
  Type type = Type::kFlat;
  uint64_t sectors = 0;  // length in 512-byte sectors
  std::string file;      // kFlat: the extent's file name, relative to the descriptor's directory
  uint64_t file_offset = 0;  // kFlat: where the extent starts in its file, in sectors
};

struct VmdkDescriptor {
  std::string create_type;  // as written, e.g. "monolithicFlat"
  std::string parent_hint;  // parentFileNameHint of a snapshot delta, or empty
  std::vector<VmdkExtent> extents;
  uint64_t size_bytes() const;
};

// A descriptor that is not a flat disk, or malformed: the message names the disk type or the line.
struct VmdkDescriptorError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

inline constexpr uint64_t kVmdkSector = 512;
// Descriptors are a few hundred bytes; anything past this is not one.
inline constexpr size_t kMaxDescriptorSize = 64 * 1024;

// Parses the text of a descriptor of a flat disk. Throws VmdkDescriptorError for other disk types
// (naming the type, and the parent of a snapshot delta) and for malformed text (naming the line).
VmdkDescriptor parse_vmdk_descriptor(std::string_view text);

// True when `head` (the first bytes of a file) starts a text descriptor.
bool looks_like_vmdk_descriptor(std::string_view head);
// The disk type of a binary sparse VMDK from its first bytes ("KDMV": monolithicSparse or
// streamOptimized, "COWD": ESX 2 vmfsSparse), or empty when `head` is neither.
std::string sparse_vmdk_magic(std::string_view head);

}  // namespace mm::transfer
