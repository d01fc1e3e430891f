#pragma once
// The resume record of a copy: every byte below `done_offset` is durable on the target, and the digest
// state covers exactly those bytes. Written atomically (temp file, fsync, rename, fsync of the directory)
// and only after the target data it describes has been flushed, so after a crash at any moment the last
// checkpoint on disk is true.
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace mm::transfer {

struct CheckpointIdentity {
  std::string operation;   // "copy" or "sync"
  std::string source;      // endpoint URIs as given
  std::string target;
  uint64_t size = 0;       // source size in bytes
  std::string change_set;  // sync: a hash of the change set; empty for copy

  friend bool operator==(const CheckpointIdentity&, const CheckpointIdentity&) = default;
};

struct Checkpoint {
  CheckpointIdentity identity;
  bool target_was_fresh = false;  // the target held only zeroes when the copy began
  uint64_t done_offset = 0;
  uint64_t digest_leaves = 0;
  std::string digest_segments_hex;
  std::string digest_open_hex;
};

struct CheckpointError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::string serialize_checkpoint(const Checkpoint& c);
// Throws CheckpointError naming the field and the problem.
Checkpoint parse_checkpoint(std::string_view text);

// Returns nothing when the file does not exist. Throws CheckpointError when it cannot be read or parsed.
std::optional<Checkpoint> load_checkpoint(const std::string& path);
// Replaces the file atomically and durably. Throws std::system_error.
void store_checkpoint(const std::string& path, const Checkpoint& c);
// Throws CheckpointError when the checkpoint belongs to another copy.
void check_identity(const std::string& path, const Checkpoint& c, const CheckpointIdentity& wanted);

}  // namespace mm::transfer
