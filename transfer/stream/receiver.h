#pragma once
// The receiving end of an mmt:// stream (`mm-transfer receive`): accepts TLS connections from the
// one trusted sender, checks every frame before writing it to the target, makes the target durable
// and records a checkpoint at each flush, and acknowledges it. A dropped link or a restart of
// either side resumes from that checkpoint (docs/stream-protocol.md). Returns after one complete
// transfer.
#include <chrono>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>

namespace mm::transfer::stream {

struct ReceiverOptions {
  std::string listen_host = "127.0.0.1";
  uint16_t listen_port = 0;  // 0: any free port (announced through `log`)
  std::string target_path;
  std::string cert_path, key_path, trust;
  std::string checkpoint_path;  // default: target_path + ".mmt-checkpoint"
  // A connection that delivers nothing for this long is closed (the sender pings when idle, so only
  // a dead or frozen link is silent this long); the receiver then waits for the sender. 0: never.
  std::chrono::milliseconds stall_timeout{60000};
  // After a connection is lost mid-transfer, how long to wait for a sender to resume before giving
  // up with ReceiveIncomplete (checkpoint kept). 0: wait forever. The wait for the first sender
  // is not bounded.
  std::chrono::milliseconds resume_timeout{600000};
  std::function<void(const std::string&)> log;  // one line per event
};

struct ReceiveReport {
  uint64_t size = 0;
  uint64_t frames = 0;
  uint64_t bytes_received = 0;  // on the wire, headers included
  uint64_t bytes_written = 0;
  uint64_t bytes_zeroed = 0;
  uint64_t connections = 0;
  uint64_t resumed_at_seq = 0;  // the checkpoint the first session of this process resumed from
  double seconds = 0;
};

// A frame failed a check, the sender reported an error, or the target cannot be written.
struct ReceiveError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// No sender came back within resume_timeout: the transfer is incomplete, and the checkpoint is
// kept so that a later receiver run and a new sender resume it (exit status 4 in mm-transfer).
struct ReceiveIncomplete : ReceiveError {
  using ReceiveError::ReceiveError;
};

ReceiveReport run_receiver(const ReceiverOptions& options);

}  // namespace mm::transfer::stream
