#pragma once
// Settings of the sending end of an mmt:// stream (docs/stream-protocol.md), carried from the
// command line through CopyOptions to the stream target.
#include <chrono>
#include <cstdint>
#include <string>

namespace mm::transfer {

struct StreamOptions {
  std::string cert_path;  // our certificate (PEM), shown to the receiver
  std::string key_path;   // its private key (PEM)
  std::string trust;      // SHA-256 fingerprint of the receiver's certificate (hex, ':' allowed)
  bool compress = true;   // zstd per frame where it pays; raw otherwise
  // How long a dropped link may stay down (reconnect attempts with backoff) before the copy fails.
  std::chrono::milliseconds reconnect_budget{60000};
  // A link that delivers nothing for this long is dead even if the socket is open (a frozen NAT,
  // a hung receiver): it is dropped and reconnected like a broken one. The receiver pings when it
  // has nothing else to say (protocol version 2), so a slow link is not a stalled one. 0: never.
  std::chrono::milliseconds stall_timeout{60000};
  // Encoded frames kept until the receiver acknowledges them durable, to resend after a dropped
  // link; the sender asks for an acknowledgement at half of it and waits when it is full.
  uint64_t replay_budget = 64ull << 20;
};

}  // namespace mm::transfer
