#pragma once
// The copy pipeline: plan -> read (hash each leaf while the data is still in cache) -> write, with a
// bounded number of requests in flight, retries with backoff, a frontier below which everything is
// done, and durable checkpoints of that frontier. One thread, one io_uring (event_loop.h).
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "cbt/extent.h"
#include "transfer/stream/stream_options.h"
#include "transfer/uri.h"

namespace mm::transfer {

struct CopyProgress {
  uint64_t done_bytes = 0;   // bytes of the disk handled (read, zeroed or skipped) in this run
  uint64_t total_bytes = 0;  // bytes this run has to handle
  uint64_t bytes_read = 0;
  double seconds = 0;
};

struct CopyOptions {
  unsigned connections = 4;
  unsigned requests = 16;  // per connection
  uint64_t request_size = 256 * 1024;
  bool target_is_zero = false;
  std::string checkpoint_path;
  uint64_t checkpoint_interval_bytes = 1ull << 30;
  std::chrono::milliseconds checkpoint_interval_time{10000};
  // A top-up: only these extents are copied (the digest then covers only the whole-disk copy case).
  std::optional<std::vector<cbt::Extent>> only_extents;
  std::string change_set_id;  // identifies `only_extents` in the checkpoint
  StreamOptions stream;       // TLS and compression of an mmt:// target
  std::function<void(const CopyProgress&)> on_progress;  // called about 4 times a second
  std::function<void(const std::string&)> on_notice;     // one-line notices for the user
};

struct CopyReport {
  uint64_t size = 0;
  uint64_t bytes_read = 0;
  uint64_t bytes_written = 0;
  uint64_t bytes_zeroed = 0;
  uint64_t bytes_skipped = 0;
  uint64_t bytes_changed = 0;  // top-ups: the size of the change set
  uint64_t resumed_from = 0;
  uint64_t retries = 0;
  uint64_t reconnects = 0;
  double seconds = 0;
  std::string digest;  // empty for top-ups (they do not read the whole disk)
};

struct TransferError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Options out of range (a usage error, not a failed transfer).
struct CopyOptionsError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

// Throws CopyOptionsError naming the flag that is out of range.
void validate_copy_options(const CopyOptions& options);

CopyReport run_copy(const Endpoint& source, const Endpoint& target, const CopyOptions& options);

}  // namespace mm::transfer
