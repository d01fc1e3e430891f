// Fuzzes the checkpoint reader: any file content either parses into a checkpoint that serialises
// back to the same checkpoint and whose digest state restores or is refused cleanly, or is rejected
// with CheckpointError. A torn or hostile checkpoint must never crash a resume or be half-trusted.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string_view>

#include "transfer/checkpoint.h"
#include "transfer/disk_digest.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  mm::transfer::Checkpoint c;
  try {
    c = mm::transfer::parse_checkpoint(text);
  } catch (const mm::transfer::CheckpointError&) {
    return 0;
  }
  if (c.done_offset > c.identity.size) std::abort();
  const mm::transfer::Checkpoint again =
      mm::transfer::parse_checkpoint(mm::transfer::serialize_checkpoint(c));
  if (!(again.identity == c.identity) || again.done_offset != c.done_offset ||
      again.digest_leaves != c.digest_leaves || again.digest_segments_hex != c.digest_segments_hex ||
      again.digest_open_hex != c.digest_open_hex) {
    std::abort();
  }
  if (c.identity.size <= (1ull << 44)) {  // restore allocates per segment: keep the fuzzer's memory small
    try {
      mm::transfer::DigestAccumulator acc(c.identity.size);
      acc.restore(c.digest_leaves, c.digest_segments_hex, c.digest_open_hex);
    } catch (const std::runtime_error&) {
    }
  }
  return 0;
}
