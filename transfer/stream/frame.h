#pragma once
// The frames of the mmt:// stream protocol (docs/stream-protocol.md): pure encoding and decoding,
// no I/O, so that every check a receiver makes on untrusted bytes is in one place and can be
// fuzzed. A decoder never returns data that failed a check: it throws FrameError saying which check
// failed.
#include <zstd.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace mm::transfer::stream {

inline constexpr size_t kHeaderSize = 44;
inline constexpr uint32_t kMagic = 0x464d544d;  // "MMTF" in little-endian byte order
inline constexpr uint16_t kVersionMin = 1;      // protocol versions this build speaks
inline constexpr uint16_t kVersionMax = 2;
// Version 2 adds the ping frame (keep-alive and stall detection); a version-1 peer gets none.
inline constexpr uint16_t kVersionPing = 2;
inline constexpr uint64_t kMaxDataLength = 4u << 20;  // plain bytes per data frame
inline constexpr uint32_t kMaxPayload = 4u << 20;     // bytes after a header, any frame
inline constexpr size_t kMaxErrorText = 4096;
inline constexpr size_t kSessionIdSize = 16;

enum class FrameType : uint8_t {
  kHello = 1,    // sender -> receiver: versions, disk size, session
  kWelcome = 2,  // receiver -> sender: chosen version, durable checkpoint, target state
  kData = 3,     // sender -> receiver: bytes at an offset
  kZero = 4,     // sender -> receiver: a range that reads as zeroes
  kFlush = 5,    // sender -> receiver: make every frame before this durable, then acknowledge
  kAck = 6,      // receiver -> sender: frames below `seq` are durable
  kError = 7,    // either way: the stream ends, with a reason
  kEnd = 8,      // sender -> receiver: the transfer is complete (acknowledged like a flush)
  kPing = 9,     // either way (version 2): "still here"; seq = the sender's stall timeout in ms
};

// Data frame flags.
inline constexpr uint8_t kFlagZstd = 1;
// Welcome flags.
inline constexpr uint8_t kFlagTargetReadsAsZero = 1;

struct FrameHeader {
  FrameType type = FrameType::kError;
  uint8_t flags = 0;
  uint32_t payload_length = 0;
  uint64_t seq = 0;
  uint64_t offset = 0;
  uint64_t length = 0;
  uint64_t hash = 0;
};

struct FrameError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Hello {
  uint16_t version_min = kVersionMin;
  uint16_t version_max = kVersionMax;
  uint64_t disk_size = 0;
  std::array<uint8_t, kSessionIdSize> session{};
  uint64_t resume_seq = 0;  // frames the sender still holds start here (0 on a new session)
};

struct Welcome {
  uint16_t version = kVersionMax;
  uint64_t durable_seq = 0;  // the receiver's checkpoint for this session (0 when it has none)
  uint64_t target_size = 0;
  bool target_reads_as_zero = false;
};

// The hash a data frame carries: XXH3-64 of the plain bytes, seeded with the frame's offset so
// that data arriving at the wrong place fails the check as surely as damaged data does.
uint64_t data_hash(uint64_t offset, std::span<const uint8_t> plain);

// Parses and validates the fixed header (magic, type, reserved bits, lengths allowed for the type).
FrameHeader decode_header(std::span<const uint8_t> bytes);
void encode_header(const FrameHeader& h, uint8_t out[kHeaderSize]);

// Data frames. The encoder compresses with `cctx` when `compress` and the result is smaller;
// otherwise the payload is the plain bytes. The span forms work in caller-owned buffers, so that a
// sender or receiver reuses its memory instead of zero-filling and faulting in fresh pages per
// frame.
size_t max_encoded_size(size_t plain_size);  // header + the largest payload encode_data can make
// Writes header + payload into `out` (at least max_encoded_size(plain.size()) bytes); returns the
// frame's size.
size_t encode_data(uint64_t seq, uint64_t offset, std::span<const uint8_t> plain, bool compress,
                   ZSTD_CCtx* cctx, std::span<uint8_t> out);
// `out` is replaced by the frame.
void encode_data(uint64_t seq, uint64_t offset, std::span<const uint8_t> plain, bool compress,
                 ZSTD_CCtx* cctx, std::vector<uint8_t>& out);
// Decompresses (when flagged) into the first h.length bytes of `out` (at least that long) and
// checks length and hash; on failure the contents of `out` are unspecified and must not be used.
void decode_data(const FrameHeader& h, std::span<const uint8_t> payload, ZSTD_DCtx* dctx,
                 std::span<uint8_t> out);
// `plain` is resized to h.length.
void decode_data(const FrameHeader& h, std::span<const uint8_t> payload, ZSTD_DCtx* dctx,
                 std::vector<uint8_t>& plain);

std::vector<uint8_t> encode_hello(const Hello& hello);
Hello decode_hello(const FrameHeader& h, std::span<const uint8_t> payload);
std::vector<uint8_t> encode_welcome(const Welcome& w);
Welcome decode_welcome(const FrameHeader& h, std::span<const uint8_t> payload);

// Frames without payload: zero (seq, offset, length), flush/end (seq = frames before it),
// ack (seq = frames durable), ping (seq = the stall timeout of the end that sends it, in ms).
std::vector<uint8_t> encode_control(FrameType type, uint64_t seq, uint64_t offset = 0,
                                    uint64_t length = 0);

std::vector<uint8_t> encode_error(const std::string& message);
// The message, with anything but printable ASCII replaced, so a peer cannot garble a terminal.
std::string decode_error(const FrameHeader& h, std::span<const uint8_t> payload);

// The highest version both sides speak; throws FrameError naming both ranges when there is none.
uint16_t negotiate_version(const Hello& hello);

std::string frame_type_name(FrameType t);

}  // namespace mm::transfer::stream
