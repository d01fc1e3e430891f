// The mmt:// frame codec: round trips, the compression choice, and every check the decoder makes.
#include "transfer/stream/frame.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

namespace mm::transfer::stream {
namespace {

struct Codec {
  Codec() : cctx(ZSTD_createCCtx()), dctx(ZSTD_createDCtx()) {}
  ~Codec() {
    ZSTD_freeCCtx(cctx);
    ZSTD_freeDCtx(dctx);
  }
  std::vector<uint8_t> decode(const std::vector<uint8_t>& frame) {
    const FrameHeader h = decode_header(frame);
    std::vector<uint8_t> plain;
    decode_data(h, {frame.data() + kHeaderSize, frame.size() - kHeaderSize}, dctx, plain);
    return plain;
  }
  ZSTD_CCtx* cctx;
  ZSTD_DCtx* dctx;
};

std::vector<uint8_t> random_bytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<uint8_t> v(n);
  for (auto& b : v) b = static_cast<uint8_t>(rng());
  return v;
}

TEST(StreamFrame, CompressibleDataIsCompressedAndRoundTrips) {
  Codec c;
  std::vector<uint8_t> plain(256 * 1024);
  for (size_t i = 0; i < plain.size(); ++i) plain[i] = "hello world\n"[i % 12];
  std::vector<uint8_t> frame;
  encode_data(7, 1 << 20, plain, true, c.cctx, frame);
  const FrameHeader h = decode_header(frame);
  EXPECT_EQ(h.flags, kFlagZstd);
  EXPECT_LT(frame.size(), plain.size() / 20);
  EXPECT_EQ(h.seq, 7u);
  EXPECT_EQ(h.offset, 1u << 20);
  EXPECT_EQ(c.decode(frame), plain);
}

TEST(StreamFrame, IncompressibleDataGoesRaw) {
  Codec c;
  const auto plain = random_bytes(64 * 1024, 1);
  std::vector<uint8_t> frame;
  encode_data(0, 0, plain, true, c.cctx, frame);
  EXPECT_EQ(decode_header(frame).flags, 0);
  EXPECT_EQ(frame.size(), kHeaderSize + plain.size());
  EXPECT_EQ(c.decode(frame), plain);
}

TEST(StreamFrame, DamagedDataOrOffsetFailsTheHash) {
  Codec c;
  const auto plain = random_bytes(4096, 2);
  std::vector<uint8_t> frame;
  encode_data(0, 8192, plain, false, c.cctx, frame);
  auto damaged = frame;
  damaged[kHeaderSize + 100] ^= 1;
  EXPECT_THROW(c.decode(damaged), FrameError);
  // The same bytes announced at another offset: the hash is seeded with the offset.
  auto moved = frame;
  moved[20] = 0;
  moved[21] = 0x30;  // offset 12288
  try {
    c.decode(moved);
    FAIL() << "a frame moved to another offset was accepted";
  } catch (const FrameError& e) {
    EXPECT_NE(std::string(e.what()).find("XXH3 mismatch"), std::string::npos) << e.what();
  }
}

TEST(StreamFrame, CompressedPayloadThatLiesAboutItsSizeIsRejected) {
  Codec c;
  std::vector<uint8_t> plain(64 * 1024, 'a');
  std::vector<uint8_t> frame;
  encode_data(0, 0, plain, true, c.cctx, frame);
  ASSERT_EQ(decode_header(frame).flags, kFlagZstd);
  // Announce one byte less: the zstd frame declares the true size.
  FrameHeader h = decode_header(frame);
  h.length -= 1;
  encode_header(h, frame.data());
  EXPECT_THROW(c.decode(frame), FrameError);
  // Garbage flagged as zstd.
  std::vector<uint8_t> garbage = random_bytes(kHeaderSize + 100, 3);
  h = FrameHeader{FrameType::kData, kFlagZstd, 100, 0, 0, 4096, 0};
  encode_header(h, garbage.data());
  EXPECT_THROW(c.decode(garbage), FrameError);
}

TEST(StreamFrame, HeaderChecks) {
  uint8_t buf[kHeaderSize];
  auto header_error = [&](FrameHeader h) {
    encode_header(h, buf);
    try {
      decode_header({buf, kHeaderSize});
    } catch (const FrameError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_EQ(header_error({FrameType::kAck, 0, 0, 5, 0, 0, 0}), "");
  EXPECT_NE(header_error({FrameType::kData, 0, 0, 0, 0, 0, 0}), "");                // empty
  EXPECT_NE(header_error({FrameType::kData, 0, 5u << 20, 0, 0, 5u << 20, 0}), "");  // too long
  EXPECT_NE(header_error({FrameType::kData, 0, 10, 0, 0, 11, 0}), "");  // raw payload != length
  EXPECT_NE(header_error({FrameType::kData, 4, 10, 0, 0, 10, 0}), "");  // unknown flag
  EXPECT_NE(header_error({FrameType::kZero, 0, 0, 0, UINT64_MAX - 5, 10, 0}), "");  // wraps
  EXPECT_NE(header_error({FrameType::kAck, 0, 3, 0, 0, 0, 0}), "");    // payload on a control frame
  EXPECT_NE(header_error({FrameType::kHello, 0, 5, 0, 0, 0, 0}), "");  // wrong hello size
  encode_header({FrameType::kAck, 0, 0, 0, 0, 0, 0}, buf);
  buf[0] ^= 0xff;
  EXPECT_THROW(decode_header({buf, kHeaderSize}), FrameError);  // magic
  encode_header({FrameType::kAck, 0, 0, 0, 0, 0, 0}, buf);
  buf[4] = 99;
  EXPECT_THROW(decode_header({buf, kHeaderSize}), FrameError);  // type
  EXPECT_THROW(decode_header({buf, 10}), FrameError);           // truncated
}

TEST(StreamFrame, HelloWelcomeAndVersionNegotiation) {
  Hello hello;
  hello.disk_size = 1 << 30;
  hello.session[3] = 0x42;
  hello.resume_seq = 9;
  const auto bytes = encode_hello(hello);
  const Hello back =
      decode_hello(decode_header(bytes), {bytes.data() + kHeaderSize, bytes.size() - kHeaderSize});
  EXPECT_EQ(back.session, hello.session);
  EXPECT_EQ(back.disk_size, hello.disk_size);
  EXPECT_EQ(back.resume_seq, 9u);
  EXPECT_EQ(negotiate_version(back), kVersionMax);

  Hello future = hello;
  future.version_min = kVersionMax + 1;
  future.version_max = kVersionMax + 3;
  try {
    negotiate_version(future);
    FAIL() << "no common version, but negotiation succeeded";
  } catch (const FrameError& e) {
    EXPECT_NE(std::string(e.what()).find("no common protocol version"), std::string::npos);
  }

  Welcome w{1, 17, 4096, true};
  const auto wb = encode_welcome(w);
  const Welcome wback =
      decode_welcome(decode_header(wb), {wb.data() + kHeaderSize, wb.size() - kHeaderSize});
  EXPECT_EQ(wback.durable_seq, 17u);
  EXPECT_EQ(wback.target_size, 4096u);
  EXPECT_TRUE(wback.target_reads_as_zero);
}

TEST(StreamFrame, PingCarriesTheStallTimeoutAndNothingElse) {
  const auto bytes = encode_control(FrameType::kPing, 60000);
  ASSERT_EQ(bytes.size(), kHeaderSize);
  const FrameHeader h = decode_header(bytes);
  EXPECT_EQ(h.type, FrameType::kPing);
  EXPECT_EQ(h.seq, 60000u);
  auto with_offset = bytes;
  with_offset[20] = 1;
  EXPECT_THROW(decode_header(with_offset), FrameError);
  auto with_flags = bytes;
  with_flags[5] = 1;
  EXPECT_THROW(decode_header(with_flags), FrameError);
  auto with_payload = bytes;
  with_payload[8] = 4;
  EXPECT_THROW(decode_header(with_payload), FrameError);
}

TEST(StreamFrame, AVersionOneSenderNegotiatesVersionOne) {
  Hello old;
  old.version_min = 1;
  old.version_max = 1;
  EXPECT_EQ(negotiate_version(old), 1);
  Hello current;
  EXPECT_EQ(negotiate_version(current), kVersionPing);
}

TEST(StreamFrame, ErrorTextIsSanitised) {
  const auto bytes = encode_error("bad \x1b[31mthing\n");
  EXPECT_EQ(
      decode_error(decode_header(bytes), {bytes.data() + kHeaderSize, bytes.size() - kHeaderSize}),
      "bad ?[31mthing?");
}

}  // namespace
}  // namespace mm::transfer::stream
