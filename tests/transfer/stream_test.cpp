// The mmt:// stream end to end: `mm-transfer copy|sync SRC mmt://...` into `mm-transfer receive`,
// over TLS on loopback. Disks of every shape arrive identical; a peer with the wrong certificate is
// refused by either side; a damaged frame ends the stream with nothing of it written; a link cut
// mid-transfer, and a receiver killed and restarted mid-transfer, both resume and finish.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <thread>

#include "tests/support/servers.h"
#include "tests/transfer/stream_relay.h"
#include "transfer/stream/frame.h"
#include "transfer/stream/tls.h"

namespace mm::transfer {
namespace {

namespace ms = mm::transfer::stream;
constexpr uint64_t kMiB = 1024 * 1024;

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool same_files(const std::string& a, const std::string& b) {
  return test::run_command("cmp -s " + a + " " + b).exit_code == 0;
}

void write_random_file(const std::string& path, uint64_t size, uint32_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<uint64_t> buf(size / 8);
  for (auto& w : buf) w = rng();
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(buf.data()), size);
}

// Certificates for the sender (a), the receiver (b) and a stranger (c), made fresh for each test.
class StreamTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* n : {"a", "b", "c"}) {
      test::must_run(
          "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 "
          "-subj /CN=" +
          std::string(n) + " -keyout " + dir.file(std::string(n) + ".key") + " -out " +
          dir.file(std::string(n) + ".crt") + " 2>/dev/null");
    }
    // openssl's own form (upper case, colons): the CLI accepts it as well as its own.
    fp_a = test::must_run("openssl x509 -noout -fingerprint -sha256 -in " + dir.file("a.crt") +
                          " | cut -d= -f2");
    fp_a.erase(fp_a.find_last_not_of("\n") + 1);
    fp_b = fingerprint("b");
    fp_c = fingerprint("c");
  }

  std::string fingerprint(const std::string& who) {
    std::string fp = test::must_run(test::mm_transfer() + " fingerprint " + dir.file(who + ".crt"));
    fp.erase(fp.find_last_not_of("\n") + 1);
    return fp;
  }

  struct Receiver {
    std::unique_ptr<test::BackgroundProcess> process;
    uint16_t port = 0;
    std::string log, report;
  };

  // Starts `mm-transfer receive` as b, trusting `trust`, and waits until it listens.
  Receiver start_receiver(const std::string& target, const std::string& trust, uint16_t port = 0,
                          const std::string& name = "recv", const std::string& extra = "") {
    Receiver r;
    r.log = dir.file(name + ".log");
    r.report = dir.file(name + ".json");
    r.process = std::make_unique<test::BackgroundProcess>(
        "exec " + test::mm_transfer() + " receive --listen 127.0.0.1:" + std::to_string(port) +
            " --target " + target + " --tls-cert " + dir.file("b.crt") + " --tls-key " +
            dir.file("b.key") + " --trust " + trust + " " + extra + " --json > " + r.report,
        r.log);
    for (int i = 0; i < 400 && r.port == 0; ++i) {
      const std::string text = slurp(r.log);
      const auto at = text.find("listening on 127.0.0.1:");
      if (at != std::string::npos) {
        r.port = static_cast<uint16_t>(std::stoi(text.substr(at + 23)));
      } else {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
    }
    EXPECT_NE(r.port, 0) << slurp(r.log);
    return r;
  }

  // The sender as a, in the background: copy SRC to mmt://127.0.0.1:PORT.
  std::unique_ptr<test::BackgroundProcess> start_sender(const std::string& src, uint16_t port,
                                                        const std::string& extra,
                                                        const std::string& name) {
    return std::make_unique<test::BackgroundProcess>(
        "exec " + test::mm_transfer() + " copy " + src +
            " mmt://127.0.0.1:" + std::to_string(port) + " --tls-cert " + dir.file("a.crt") +
            " --tls-key " + dir.file("a.key") + " --trust " + fp_b + " --json " + extra + " > " +
            dir.file(name + ".json"),
        dir.file(name + ".log"));
  }

  // The sender as a: copy or sync SRC to mmt://127.0.0.1:PORT.
  test::CommandResult send(const std::string& args_before_target, uint16_t port,
                           const std::string& trust, const std::string& extra = "") {
    return test::run_command(test::mm_transfer() + " " + args_before_target +
                             " mmt://127.0.0.1:" + std::to_string(port) + " --tls-cert " +
                             dir.file("a.crt") + " --tls-key " + dir.file("a.key") + " --trust " +
                             trust + " --json " + extra);
  }

  // Called once the sender has returned: the receiver, done too, exits 0 at once.
  nlohmann::json finished(Receiver& r) {
    const auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(r.process->wait(), 0) << slurp(r.log);
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2))
        << "the receiver lingered after the transfer";
    return nlohmann::json::parse(slurp(r.report), nullptr, false);
  }

  test::TempDir dir;
  std::string fp_a, fp_b, fp_c;
};

TEST_F(StreamTest, DenseSparseAndCompressibleDisksArriveIdentical) {
  struct Case {
    std::string name, server_args;
  };
  test::must_run("yes 'a warm migration tops the disk up, then cuts over' | head -c 48M > " +
                 dir.file("text.img"));
  const Case cases[] = {
      {"dense", "sparse-random 48M percent=100 seed=3 random-content=true"},
      {"sparse", "sparse-random 128M percent=5 seed=4"},
      {"compressible", "file " + dir.file("text.img")},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    test::NbdServer server = test::NbdServer::nbdkit(dir, c.name, c.server_args);
    const std::string target = dir.file(c.name + ".img"), expected = dir.file(c.name + ".want");
    test::must_run("nbdcopy '" + server.uri() + "' " + expected);
    Receiver r = start_receiver(target, fp_a, 0, c.name);
    const test::CommandResult s = send("copy '" + server.uri() + "'", r.port, fp_b);
    ASSERT_EQ(s.exit_code, 0) << s.err;
    const nlohmann::json rr = finished(r);
    EXPECT_TRUE(same_files(expected, target));
    const nlohmann::json sr = nlohmann::json::parse(s.out);
    const uint64_t size = sr.at("size");
    const uint64_t on_wire = rr.at("bytes_received");
    if (c.name == "dense") {
      EXPECT_GT(on_wire, size);  // random data goes raw, headers on top
      EXPECT_LT(on_wire, size + size / 100);
    } else if (c.name == "sparse") {
      // Holes are neither read nor sent: the new target reads as zeroes and stays sparse.
      EXPECT_LT(on_wire, size / 10);
      EXPECT_LT(test::allocated_bytes(target), size / 10);
    } else {
      EXPECT_LT(on_wire, size / 4);  // the pattern compresses
    }
  }
}

TEST_F(StreamTest, SyncIntoAnEarlierCopyOverTheStream) {
  const std::string src = dir.file("src.img"), target = dir.file("copy.img");
  write_random_file(src, 16 * kMiB, 1);
  test::must_run("cp " + src + " " + target);
  test::must_run("dd if=/dev/urandom of=" + src +
                 " bs=64K seek=10 count=3 conv=notrunc status=none");
  test::must_run("fallocate -p -o " + std::to_string(8 * kMiB) + " -l " + std::to_string(kMiB) +
                 " " + src);
  std::ofstream(dir.file("changes.json"))
      << "[{\"offset\":655360,\"length\":196608},{\"offset\":8388608,\"length\":1048576}]";
  Receiver r = start_receiver(target, fp_a);
  const test::CommandResult s =
      send("sync " + src, r.port, fp_b, "--extents-file " + dir.file("changes.json"));
  ASSERT_EQ(s.exit_code, 0) << s.err;
  const nlohmann::json rr = finished(r);
  EXPECT_TRUE(same_files(src, target));
  EXPECT_EQ(rr.at("bytes_written").get<uint64_t>(), 196608u);
  EXPECT_EQ(rr.at("bytes_zeroed").get<uint64_t>(), kMiB);  // a zero command, not 1 MiB of data
  EXPECT_EQ(nlohmann::json::parse(s.out).at("bytes_changed").get<uint64_t>(), 196608u + kMiB);
}

TEST_F(StreamTest, SenderRefusesAReceiverItDoesNotTrust) {
  write_random_file(dir.file("src.img"), kMiB, 2);
  Receiver r = start_receiver(dir.file("t.img"), fp_a);
  const test::CommandResult s = send("copy " + dir.file("src.img"), r.port, fp_c);  // expects c
  EXPECT_EQ(s.exit_code, 3);
  EXPECT_NE(s.err.find("its certificate sha256 " + fp_b + " is not the trusted " + fp_c),
            std::string::npos)
      << s.err;
  EXPECT_FALSE(std::ifstream(dir.file("t.img")).good()) << "the receiver opened its target";
}

TEST_F(StreamTest, ReceiverRefusesASenderItDoesNotTrust) {
  write_random_file(dir.file("src.img"), kMiB, 2);
  Receiver r = start_receiver(dir.file("t.img"), fp_c);  // expects c, a connects
  const test::CommandResult s = send("copy " + dir.file("src.img"), r.port, fp_b);
  EXPECT_EQ(s.exit_code, 3);
  EXPECT_NE(s.err.find("refused this sender"), std::string::npos) << s.err;
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_NE(slurp(r.log).find("refused a connection"), std::string::npos) << slurp(r.log);
  EXPECT_TRUE(r.process->running()) << "one refused peer must not stop the receiver";
  EXPECT_FALSE(std::ifstream(dir.file("t.img")).good()) << "the receiver opened its target";
}

// A hand-driven sender, to put on the wire what mm-transfer never would.
class RawSender {
 public:
  RawSender(const std::string& cert, const std::string& key, const std::string& trust,
            uint16_t port)
      : tls_(ms::asio::ssl::context::tls_client) {
    // Before the stream: an SSL object takes the context's certificate when it is created.
    ms::configure_tls(tls_, false, cert, key, trust);
    stream_ = std::make_unique<ms::TlsStream>(io_, tls_);
    ms::asio::ip::tcp::resolver resolver(io_);
    ms::asio::connect(stream_->lowest_layer(), resolver.resolve("127.0.0.1", std::to_string(port)));
    stream_->handshake(ms::asio::ssl::stream_base::client);
  }
  void send(const std::vector<uint8_t>& bytes) {
    ms::asio::write(*stream_, ms::asio::buffer(bytes));
  }
  // The next frame that is not a ping.
  ms::RawFrame receive() {
    while (true) {
      ms::RawFrame f;
      uint8_t header[ms::kHeaderSize];
      ms::asio::read(*stream_, ms::asio::buffer(header));
      f.header = ms::decode_header({header, ms::kHeaderSize});
      f.payload.resize(f.header.payload_length);
      if (!f.payload.empty()) ms::asio::read(*stream_, ms::asio::buffer(f.payload));
      if (f.header.type != ms::FrameType::kPing) return f;
      ++pings;
    }
  }
  ms::Welcome hello(uint64_t size, uint16_t version_max = ms::kVersionMax) {
    ms::Hello h;
    h.version_max = version_max;
    h.disk_size = size;
    h.session[0] = 1;
    send(ms::encode_hello(h));
    const ms::RawFrame f = receive();
    return ms::decode_welcome(f.header, f.payload);
  }
  uint64_t pings = 0;

 private:
  ms::asio::io_context io_;
  ms::asio::ssl::context tls_;
  std::unique_ptr<ms::TlsStream> stream_;
};

TEST_F(StreamTest, DamagedFramesEndTheStreamAndNothingOfThemIsWritten) {
  struct Case {
    std::string name;
    std::function<void(std::vector<uint8_t>&)> damage;
    std::string expected_error;
  };
  const Case cases[] = {
      {"payload bit flipped", [](std::vector<uint8_t>& f) { f[ms::kHeaderSize + 77] ^= 0x10; },
       "XXH3 mismatch"},
      {"offset changed", [](std::vector<uint8_t>& f) { f[21] ^= 0x01; }, "XXH3 mismatch"},
      {"garbage flagged as zstd",
       [](std::vector<uint8_t>& f) {
         f[5] = ms::kFlagZstd;  // a raw payload announced as compressed: size check or zstd fails
         f.resize(f.size() - 1);
         f[8] = static_cast<uint8_t>(f.size() - ms::kHeaderSize);
         f[9] = static_cast<uint8_t>((f.size() - ms::kHeaderSize) >> 8);
       },
       "zstd"},
      {"past the end of the disk", [](std::vector<uint8_t>& f) { f[22] = 0x40; },
       "reaches past the disk"},
  };
  int n = 0;
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const std::string target = dir.file("t.img");
    ::unlink(target.c_str());
    ::unlink((target + ".mmt-checkpoint").c_str());
    Receiver r = start_receiver(target, fp_a, 0, "recv" + std::to_string(++n));
    RawSender sender(dir.file("a.crt"), dir.file("a.key"), fp_b, r.port);
    const ms::Welcome w = sender.hello(kMiB);
    EXPECT_EQ(w.durable_seq, 0u);

    ZSTD_CCtx* cctx = ZSTD_createCCtx();
    std::vector<uint8_t> good, bad;
    std::vector<uint8_t> ones(4096, 0x11), twos(4096, 0x22);
    for (size_t i = 0; i < twos.size(); i += 3)
      twos[i] = static_cast<uint8_t>(i);  // not compressible to nothing
    ms::encode_data(0, 0, ones, false, cctx, good);
    ms::encode_data(1, 65536, twos, false, cctx, bad);
    ZSTD_freeCCtx(cctx);
    c.damage(bad);
    sender.send(good);
    sender.send(bad);
    const ms::RawFrame reply = sender.receive();
    ASSERT_EQ(reply.header.type, ms::FrameType::kError);
    const std::string why = ms::decode_error(reply.header, reply.payload);
    EXPECT_NE(why.find(c.expected_error), std::string::npos) << why;
    EXPECT_EQ(r.process->wait(), 3);
    EXPECT_NE(slurp(r.log).find(c.expected_error), std::string::npos);

    // The good frame arrived; of the damaged one, not a byte.
    std::ifstream in(target, std::ios::binary);
    std::vector<uint8_t> disk(kMiB);
    in.read(reinterpret_cast<char*>(disk.data()), static_cast<std::streamsize>(disk.size()));
    EXPECT_TRUE(std::equal(ones.begin(), ones.end(), disk.begin()));
    EXPECT_TRUE(std::all_of(disk.begin() + 4096, disk.end(), [](uint8_t b) { return b == 0; }));
  }
}

// Version negotiation: a sender that speaks only version 1 gets version 1, and no pings (a frame
// type it would not know); one that speaks 2 is told the receiver's stall timeout by a ping.
TEST_F(StreamTest, AVersionOneSenderGetsNoPings) {
  for (const uint16_t version : {uint16_t{1}, uint16_t{2}}) {
    SCOPED_TRACE(version);
    const std::string target = dir.file("t" + std::to_string(version) + ".img");
    Receiver r =
        start_receiver(target, fp_a, 0, "recv" + std::to_string(version), "--stall-timeout 400ms");
    RawSender sender(dir.file("a.crt"), dir.file("a.key"), fp_b, r.port);
    EXPECT_EQ(sender.hello(kMiB, version).version, version);
    if (version == 2) {
      sender.send(ms::encode_control(ms::FrameType::kPing, 60000));  // keep the receiver content
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    sender.send(ms::encode_control(ms::FrameType::kEnd, 0));
    const ms::RawFrame ack = sender.receive();
    EXPECT_EQ(ack.header.type, ms::FrameType::kAck);
    EXPECT_EQ(sender.pings, version == 1 ? 0u : 1u);
    EXPECT_EQ(r.process->wait(), 0) << slurp(r.log);
  }
}

using Relay = test::StreamRelay;

TEST_F(StreamTest, LinkCutMidTransferResumesAndFinishes) {
  const std::string src = dir.file("src.img"), target = dir.file("t.img");
  write_random_file(src, 64 * kMiB, 7);
  Receiver r = start_receiver(target, fp_a);
  Relay relay(r.port);
  relay.cut_after(20 * kMiB);
  const test::CommandResult s =
      send("copy " + src, relay.port(), fp_b,
           "--checkpoint " + dir.file("send.ckpt") + " --checkpoint-interval 4M");
  ASSERT_EQ(s.exit_code, 0) << s.err;
  const nlohmann::json rr = finished(r);
  EXPECT_TRUE(same_files(src, target));
  EXPECT_GE(nlohmann::json::parse(s.out).at("reconnects").get<uint64_t>(), 1u);
  EXPECT_GE(rr.at("connections").get<uint64_t>(), 2u);
  EXPECT_GE(relay.connections(), 2u);
}

TEST_F(StreamTest, ReceiverRestartedMidTransferResumesFromItsCheckpoint) {
  const std::string src = dir.file("src.img"), target = dir.file("t.img");
  write_random_file(src, 64 * kMiB, 8);
  Receiver first = start_receiver(target, fp_a, 0, "first");
  const uint16_t port = first.port;
  Relay relay(port);
  relay.hold_after(40 * kMiB);
  test::BackgroundProcess sender(
      test::mm_transfer() + " copy " + src + " mmt://127.0.0.1:" + std::to_string(relay.port()) +
          " --tls-cert " + dir.file("a.crt") + " --tls-key " + dir.file("a.key") + " --trust " +
          fp_b + " --checkpoint " + dir.file("send.ckpt") + " --checkpoint-interval 4M --json > " +
          dir.file("send.json"),
      dir.file("send.log"));
  for (int i = 0; i < 1000 && !relay.holding(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_TRUE(relay.holding()) << slurp(dir.file("send.log"));
  first.process->kill_hard();  // mid-transfer, with 40 MiB sent
  const std::string checkpoint = slurp(target + ".mmt-checkpoint");
  ASSERT_FALSE(checkpoint.empty()) << "the receiver made no checkpoint in 40 MiB";
  const uint64_t durable = nlohmann::json::parse(checkpoint).at("durable_seq");
  EXPECT_GT(durable, 0u);

  Receiver second = start_receiver(target, fp_a, port, "second");
  ASSERT_EQ(second.port, port);
  EXPECT_EQ(sender.wait(), 0) << slurp(dir.file("send.log"));
  const nlohmann::json rr = finished(second);
  EXPECT_TRUE(same_files(src, target));
  // The restarted receiver resumed at its checkpoint: it received only what lay beyond it.
  EXPECT_EQ(rr.at("resumed_at_frame").get<uint64_t>(), durable);
  EXPECT_LT(rr.at("bytes_written").get<uint64_t>(), 64 * kMiB - 16 * kMiB);
  EXPECT_GE(nlohmann::json::parse(slurp(dir.file("send.json"))).at("reconnects").get<uint64_t>(),
            1u);
}

// A link that freezes both ways with its sockets open (a frozen NAT entry): the sender notices the
// silence within --stall-timeout, drops the link, reconnects (the relay gives a new connection a
// healthy link) and resumes from the receiver's durable checkpoint.
TEST_F(StreamTest, FrozenLinkIsDetectedAsAStallAndTheCopyResumes) {
  const std::string src = dir.file("src.img"), target = dir.file("t.img");
  write_random_file(src, 32 * kMiB, 9);
  Receiver r = start_receiver(target, fp_a, 0, "recv", "--stall-timeout 1s --resume-timeout 20s");
  Relay relay(r.port);
  relay.freeze_after(12 * kMiB);
  const auto start = std::chrono::steady_clock::now();
  const test::CommandResult s = send(
      "copy " + src, relay.port(), fp_b,
      "--stall-timeout 1s --checkpoint " + dir.file("send.ckpt") + " --checkpoint-interval 4M");
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_EQ(s.exit_code, 0) << s.err;
  EXPECT_TRUE(relay.frozen());
  const nlohmann::json rr = finished(r);
  EXPECT_TRUE(same_files(src, target));
  EXPECT_GE(nlohmann::json::parse(s.out).at("reconnects").get<uint64_t>(), 1u);
  EXPECT_GE(relay.connections(), 2u);
  EXPECT_GE(rr.at("connections").get<uint64_t>(), 2u);
  EXPECT_LT(seconds, 15) << "the stall was not noticed within its timeout";
}

// A sender killed mid-transfer: once the link is lost (here its silence outlasts the receiver's
// --stall-timeout) the receiver waits --resume-timeout for it, then gives up with
// exit status 4 (incomplete), keeping its checkpoint. A new receiver and a new sender (resuming
// from the sender's own checkpoint) finish the copy.
TEST_F(StreamTest, ReceiverGivesUpAfterResumeTimeoutAndALaterRunResumes) {
  const std::string src = dir.file("src.img"), target = dir.file("t.img");
  write_random_file(src, 48 * kMiB, 10);
  // The dead sender's host may close nothing: silence (the stall timeout) counts as a lost link.
  Receiver first =
      start_receiver(target, fp_a, 0, "first", "--stall-timeout 1s --resume-timeout 2s");
  Relay relay(first.port);
  relay.hold_after(30 * kMiB);
  const std::string resume_args =
      "--checkpoint " + dir.file("send.ckpt") + " --checkpoint-interval 4M";
  auto sender = start_sender(src, relay.port(), resume_args, "send1");
  for (int i = 0; i < 1000 && !relay.holding(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_TRUE(relay.holding()) << slurp(dir.file("send1.log"));
  // Kill only once the sender has recorded an acknowledged frontier: acknowledgements cross the
  // relay after the receiver's fdatasync, and on a loaded machine the first may still be on its
  // way when the relay starts holding (then there would be nothing to resume from).
  const auto done_offset = [&]() -> uint64_t {
    const std::string text = slurp(dir.file("send.ckpt"));
    if (text.empty()) return 0;
    const auto j = nlohmann::json::parse(text, nullptr, false);
    return j.is_object() && j.contains("done_offset") ? j["done_offset"].get<uint64_t>() : 0;
  };
  for (int i = 0; i < 1000 && done_offset() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_GT(done_offset(), 0u) << slurp(dir.file("send1.log"));
  sender->kill_hard();
  const auto killed = std::chrono::steady_clock::now();
  EXPECT_EQ(first.process->wait(), 4) << slurp(first.log);
  const double waited =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - killed).count();
  EXPECT_GE(waited, 1.9);
  EXPECT_LT(waited, 6) << slurp(first.log) << slurp(dir.file("send1.log"));
  EXPECT_NE(slurp(first.log).find("incomplete"), std::string::npos) << slurp(first.log);
  const std::string checkpoint = slurp(target + ".mmt-checkpoint");
  ASSERT_FALSE(checkpoint.empty());
  EXPECT_FALSE(nlohmann::json::parse(checkpoint).at("complete").get<bool>());

  Receiver second = start_receiver(target, fp_a, first.port, "second", "--resume-timeout 2s");
  // Through the same relay (now a healthy link): the sender's checkpoint names the target URI.
  const test::CommandResult s = send("copy " + src, relay.port(), fp_b, resume_args);
  ASSERT_EQ(s.exit_code, 0) << s.err;
  const nlohmann::json rr = finished(second);
  EXPECT_TRUE(same_files(src, target));
  // The new sender resumed from its checkpoint: it sent only what lay beyond it.
  const uint64_t resumed_from = nlohmann::json::parse(s.out).at("resumed_from");
  EXPECT_GT(resumed_from, 0u);
  EXPECT_EQ(rr.at("bytes_written").get<uint64_t>(), 48 * kMiB - resumed_from);
}

// Slow is not stalled: a source that answers after 1 s (nothing to send meanwhile) and a link
// paced so that one 256 KiB frame takes longer than the stall timeout to cross. Pings cover the
// silence and bytes (not whole frames) count as life, so nothing reconnects.
TEST_F(StreamTest, SlowButAliveLinkIsNotAStall) {
  write_random_file(dir.file("src.img"), 512 * 1024, 11);
  test::NbdServer server = test::NbdServer::nbdkit(
      dir, "slow", "--filter=delay file " + dir.file("src.img") + " rdelay=1000ms");
  const std::string target = dir.file("t.img");
  // A bounded --resume-timeout: if the link were wrongly taken for stalled, the test would fail
  // in a minute (the sender's reconnect budget), not hang.
  Receiver r = start_receiver(target, fp_a, 0, "recv", "--stall-timeout 600ms --resume-timeout 5s");
  Relay relay(r.port);
  relay.pace(200 * 1024);
  const test::CommandResult s = send("copy '" + server.uri() + "'", relay.port(), fp_b,
                                     "--stall-timeout 600ms --no-compress");
  ASSERT_EQ(s.exit_code, 0) << s.err;
  const nlohmann::json rr = finished(r);
  EXPECT_TRUE(same_files(dir.file("src.img"), target));
  EXPECT_EQ(nlohmann::json::parse(s.out).at("reconnects").get<uint64_t>(), 0u) << s.err;
  EXPECT_EQ(rr.at("connections").get<uint64_t>(), 1u) << slurp(r.log);
  EXPECT_EQ(relay.connections(), 1u);
  EXPECT_EQ(slurp(r.log).find("stalled"), std::string::npos) << slurp(r.log);
}

}  // namespace
}  // namespace mm::transfer
