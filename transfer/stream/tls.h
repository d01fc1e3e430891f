#pragma once
// TLS for the mmt:// stream: TLS 1.3 only, each side showing its own certificate and accepting
// exactly one peer, named by the SHA-256 fingerprint of its certificate (pinning; no CA involved,
// so a self-signed certificate per site is enough). Also reading and writing whole frames.
#include <utility>  // before Asio: its awaitable.hpp uses std::exchange without including it

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "transfer/stream/fingerprint.h"
#include "transfer/stream/frame.h"

namespace mm::transfer::stream {

namespace asio = boost::asio;
using TlsStream = asio::ssl::stream<asio::ip::tcp::socket>;

// What the verify callback saw, for a clear message when the peer is refused.
struct PeerCheck {
  std::string trusted;
  std::string seen;  // the peer's fingerprint, once its certificate was presented
  bool mismatch = false;
};

// Configures `ctx` with our certificate and key, TLS 1.3 only, and peer verification against
// `trust`; a server also demands the client's certificate. Throws std::runtime_error.
std::shared_ptr<PeerCheck> configure_tls(asio::ssl::context& ctx, bool server,
                                         const std::string& cert_path, const std::string& key_path,
                                         const std::string& trust);

// After the handshake: the peer's certificate fingerprint, or empty when it showed none.
std::string peer_fingerprint(TlsStream& s);

struct RawFrame {
  FrameHeader header;
  std::vector<uint8_t> payload;
};

// When a link last delivered bytes. Stall detection watches bytes, not whole frames: on a slow link
// a 4 MiB frame may take longer than the stall timeout to arrive, and the link is alive meanwhile.
struct RxActivity {
  std::chrono::steady_clock::time_point last = std::chrono::steady_clock::now();
};

// Reads one frame: header (validated by decode_header), then its payload. `activity`, when given,
// is stamped whenever bytes arrive (every TLS record), not only once the frame is whole.
asio::awaitable<RawFrame> read_frame(TlsStream& s, RxActivity* activity = nullptr);
// The same into `payload` (at least kMaxPayload bytes, reused from frame to frame): the payload is
// its first header.payload_length bytes.
asio::awaitable<FrameHeader> read_frame_into(TlsStream& s, std::span<uint8_t> payload,
                                             RxActivity* activity = nullptr);

}  // namespace mm::transfer::stream
