#pragma once
// The receiving end of an mmt:// stream (`mm-transfer receive`): accepts TLS connections from the
// one trusted sender, checks every frame before writing it to the target, makes the target durable
// and records a checkpoint at each flush, and acknowledges it. A dropped link or a restart of
// either side resumes from that checkpoint (docs/stream-protocol.md). Returns after one complete
// transfer.
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
  std::string checkpoint_path;                  // default: target_path + ".mmt-checkpoint"
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

ReceiveReport run_receiver(const ReceiverOptions& options);

}  // namespace mm::transfer::stream
