// Fuzzes the mmt:// frame decoder (transfer/stream/frame.h) with what a receiver reads off the
// wire: a header, then the payload it announces. Any input is either rejected with FrameError, or
// decodes into a frame that satisfies every promise of the decoder (data of the announced length
// whose hash matches, ranges inside 2^63) and re-encodes to a frame that decodes to the same thing.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <vector>

#include "transfer/stream/frame.h"

namespace fs = mm::transfer::stream;

namespace {

void check_data(const fs::FrameHeader& h, const uint8_t* payload, ZSTD_CCtx* cctx,
                ZSTD_DCtx* dctx) {
  std::vector<uint8_t> plain;
  try {
    fs::decode_data(h, {payload, h.payload_length}, dctx, plain);
  } catch (const fs::FrameError&) {
    return;
  }
  if (plain.size() != h.length || fs::data_hash(h.offset, plain) != h.hash) std::abort();
  // Round trip, compressed and raw: the decoder accepts what the encoder makes.
  for (bool compress : {true, false}) {
    std::vector<uint8_t> frame, again;
    fs::encode_data(h.seq, h.offset, plain, compress, cctx, frame);
    const fs::FrameHeader h2 = fs::decode_header(frame);
    fs::decode_data(h2, {frame.data() + fs::kHeaderSize, h2.payload_length}, dctx, again);
    if (again != plain || h2.offset != h.offset || h2.seq != h.seq) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static ZSTD_CCtx* cctx = ZSTD_createCCtx();
  static ZSTD_DCtx* dctx = ZSTD_createDCtx();
  fs::FrameHeader h;
  try {
    h = fs::decode_header({data, size});
  } catch (const fs::FrameError&) {
    return 0;
  }
  if (h.payload_length > fs::kMaxPayload) std::abort();
  if (size - fs::kHeaderSize < h.payload_length) return 0;  // the reader would wait for more
  const uint8_t* payload = data + fs::kHeaderSize;
  const std::span<const uint8_t> p{payload, h.payload_length};
  try {
    switch (h.type) {
      case fs::FrameType::kData:
        if (h.length == 0 || h.length > fs::kMaxDataLength) std::abort();
        check_data(h, payload, cctx, dctx);
        break;
      case fs::FrameType::kZero:
        if (h.length == 0 || h.offset > std::numeric_limits<int64_t>::max() - h.length)
          std::abort();
        break;
      case fs::FrameType::kHello: {
        const fs::Hello hello = fs::decode_hello(h, p);
        if (hello.version_min > hello.version_max) std::abort();
        try {
          const uint16_t v = fs::negotiate_version(hello);
          if (v < hello.version_min || v > hello.version_max) std::abort();
        } catch (const fs::FrameError&) {
        }
        const std::vector<uint8_t> again = fs::encode_hello(hello);
        const fs::Hello h2 =
            fs::decode_hello(fs::decode_header(again),
                             {again.data() + fs::kHeaderSize, again.size() - fs::kHeaderSize});
        if (h2.session != hello.session || h2.disk_size != hello.disk_size) std::abort();
        break;
      }
      case fs::FrameType::kWelcome:
        fs::decode_welcome(h, p);
        break;
      case fs::FrameType::kError:
        for (char c : fs::decode_error(h, p)) {
          if (c < 0x20 || c >= 0x7f) std::abort();  // nothing that could drive a terminal
        }
        break;
      default:
        break;
    }
  } catch (const fs::FrameError&) {
  }
  return 0;
}
