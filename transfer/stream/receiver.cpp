#include "transfer/stream/receiver.h"

#include <fcntl.h>
#include <linux/falloc.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>

#include "transfer/file_util.h"
#include "transfer/stream/frame.h"
#include "transfer/stream/tls.h"

namespace mm::transfer::stream {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kSetupDeadline = std::chrono::seconds(30);  // TCP accept to hello

std::string hex(const std::array<uint8_t, kSessionIdSize>& id) {
  static const char* digits = "0123456789abcdef";
  std::string s;
  for (uint8_t b : id) {
    s.push_back(digits[b >> 4]);
    s.push_back(digits[b & 15]);
  }
  return s;
}

// The receiver's durable state: frames [0, durable_seq) of `session` are on the target's disk.
struct ReceiverCheckpoint {
  std::string session;
  uint64_t durable_seq = 0;
  uint64_t size = 0;
  bool complete = false;
};

std::optional<ReceiverCheckpoint> load(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  try {
    const nlohmann::json j = nlohmann::json::parse(in);
    return ReceiverCheckpoint{j.at("session").get<std::string>(),
                              j.at("durable_seq").get<uint64_t>(), j.at("size").get<uint64_t>(),
                              j.at("complete").get<bool>()};
  } catch (const std::exception& e) {
    throw ReceiveError("the receiver checkpoint " + path + " is damaged (" + e.what() +
                       "): remove it to start the transfer again");
  }
}

void sync_dir_of(const std::string& path) {
  const size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : path.substr(0, slash + 1);
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

// Atomic and durable: a crash leaves either the old or the new record, never half of one.
void store(const std::string& path, const ReceiverCheckpoint& c) {
  const std::string text = nlohmann::json{{"session", c.session},
                                          {"durable_seq", c.durable_seq},
                                          {"size", c.size},
                                          {"complete", c.complete}}
                               .dump() +
                           "\n";
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw ReceiveError("cannot write " + tmp + ": " + std::strerror(errno));
  const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
                  ::fsync(fd) == 0;
  const int err = errno;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    throw ReceiveError("cannot store the checkpoint " + path + ": " +
                       std::strerror(ok ? errno : err));
  }
  sync_dir_of(path);
}

// A check failed on a frame of an authenticated peer: the stream ends.
struct ProtocolError : ReceiveError {
  using ReceiveError::ReceiveError;
};

class Receiver {
 public:
  explicit Receiver(const ReceiverOptions& o)
      : opt_(o), tls_(asio::ssl::context::tls_server), acceptor_(ctx_) {
    if (opt_.checkpoint_path.empty()) opt_.checkpoint_path = opt_.target_path + ".mmt-checkpoint";
    check_ = configure_tls(tls_, true, opt_.cert_path, opt_.key_path, opt_.trust);
    own_fingerprint_ = certificate_fingerprint(opt_.cert_path);
    checkpoint_ = load(opt_.checkpoint_path);
    asio::ip::tcp::resolver resolver(ctx_);
    const auto endpoints = resolver.resolve(opt_.listen_host, std::to_string(opt_.listen_port));
    const asio::ip::tcp::endpoint ep = endpoints.begin()->endpoint();
    acceptor_.open(ep.protocol());
    acceptor_.set_option(asio::ip::tcp::acceptor::reuse_address(true));
    acceptor_.bind(ep);
    acceptor_.listen();
  }

  ~Receiver() {
    if (fd_ >= 0) ::close(fd_);
  }

  ReceiveReport run() {
    const auto local = acceptor_.local_endpoint();
    log("listening on " + local.address().to_string() + ":" + std::to_string(local.port()) +
        ", certificate sha256 " + own_fingerprint_);
    start_ = Clock::now();
    asio::co_spawn(ctx_, accept_loop(), asio::detached);
    ctx_.run();
    report_.seconds = std::chrono::duration<double>(Clock::now() - start_).count();
    if (!fatal_.empty()) throw ReceiveError(fatal_);
    return report_;
  }

 private:
  void log(const std::string& line) {
    if (opt_.log) opt_.log(line);
  }

  asio::awaitable<void> accept_loop() {
    while (!done_) {
      asio::ip::tcp::socket s = co_await acceptor_.async_accept(asio::use_awaitable);
      asio::co_spawn(ctx_, serve(std::move(s)), asio::detached);
    }
  }

  void stop(const std::string& fatal) {
    fatal_ = fatal;
    done_ = true;
    ctx_.stop();
  }

  // Handshake and hello under a deadline, so a silent peer cannot hold a connection open.
  asio::awaitable<RawFrame> setup(std::shared_ptr<TlsStream> st, const std::string& peer) {
    asio::steady_timer deadline(ctx_);
    deadline.expires_after(kSetupDeadline);
    deadline.async_wait([st](boost::system::error_code ec) {
      if (!ec) st->lowest_layer().close();
    });
    try {
      co_await st->async_handshake(asio::ssl::stream_base::server, asio::use_awaitable);
    } catch (const boost::system::system_error& e) {
      if (check_->mismatch) {
        throw std::runtime_error("certificate sha256 " + check_->seen + " is not the trusted " +
                                 check_->trusted);
      }
      throw std::runtime_error(std::string("TLS handshake failed: ") + e.what());
    }
    // Belt and braces: the verify callback decided, and this is what the handshake settled on.
    if (peer_fingerprint(*st) != check_->trusted) {
      throw std::runtime_error("certificate sha256 " + peer_fingerprint(*st) + " is not trusted");
    }
    RawFrame hello = co_await read_frame(*st);
    deadline.cancel();
    (void)peer;
    co_return hello;
  }

  asio::awaitable<void> send(TlsStream& st, std::vector<uint8_t> bytes) {
    co_await asio::async_write(st, asio::buffer(bytes), asio::use_awaitable);
  }

  asio::awaitable<void> serve(asio::ip::tcp::socket socket) {
    std::string peer = "?";
    boost::system::error_code ec;
    const auto remote = socket.remote_endpoint(ec);
    if (!ec) peer = remote.address().to_string() + ":" + std::to_string(remote.port());
    socket.set_option(asio::ip::tcp::no_delay(true), ec);
    auto st = std::make_shared<TlsStream>(std::move(socket), tls_);
    RawFrame hello_frame;
    try {
      hello_frame = co_await setup(st, peer);
    } catch (const std::exception& e) {
      // Before authentication nothing a peer sends is trusted: refuse it and keep listening.
      log("refused a connection from " + peer + ": " + e.what());
      co_return;
    }
    uint64_t generation = 0;
    std::string failure;  // co_await is not allowed inside a handler: fail after it
    try {
      if (hello_frame.header.type != FrameType::kHello) {
        throw ProtocolError("expected a hello frame, got " +
                            frame_type_name(hello_frame.header.type));
      }
      const Hello hello = decode_hello(hello_frame.header, hello_frame.payload);
      const uint16_t version = negotiate_version(hello);
      // The newest authenticated connection is the sender's: an older one is a dead link.
      generation = ++generation_;
      if (current_) {
        boost::system::error_code ignored;
        current_->lowest_layer().close(ignored);
      }
      current_ = st;
      ++report_.connections;
      Welcome w = begin_session(hello, peer);
      w.version = version;
      co_await send(*st, encode_welcome(w));
      co_await session(*st, generation);
    } catch (const FrameError& e) {
      failure = e.what();
    } catch (const ReceiveError& e) {
      failure = e.what();
    } catch (const boost::system::system_error& e) {
      if (generation == generation_ && !done_) {
        log("link from " + peer + " lost (" + e.code().message() +
            "): waiting for the sender to reconnect");
      }
    }
    if (!failure.empty()) co_await fail(st, generation, failure);
  }

  // Ends the stream: tells the sender why (best effort) and stops the receiver.
  asio::awaitable<void> fail(std::shared_ptr<TlsStream> st, uint64_t generation,
                             const std::string& why) {
    if (generation != 0 && generation != generation_) co_return;  // a superseded connection
    log("error: " + why);
    try {
      co_await send(*st, encode_error(why));
    } catch (const std::exception&) {
    }
    stop(why);
  }

  Welcome begin_session(const Hello& hello, const std::string& peer) {
    const std::string session = hex(hello.session);
    open_target(hello.disk_size);
    uint64_t durable = 0;
    if (checkpoint_ && checkpoint_->session == session) {
      if (checkpoint_->size != hello.disk_size) {
        throw ProtocolError("session " + session + " changed its disk size");
      }
      durable = checkpoint_->durable_seq;
    }
    // The sender keeps every frame from its last acknowledgement on; if this receiver holds less,
    // frames it acknowledged were lost (a replaced target or checkpoint): resuming would leave a
    // gap.
    if (hello.resume_seq > durable) {
      throw ProtocolError("cannot resume session " + session + ": the sender resends from frame " +
                          std::to_string(hello.resume_seq) + " but " + opt_.checkpoint_path +
                          " records only " + std::to_string(durable) +
                          " durable frames; start the transfer again");
    }
    if (report_.connections == 1) report_.resumed_at_seq = durable;
    log("session " + session + " from " + peer + ": " + std::to_string(hello.disk_size) +
        " bytes, " + (durable ? "resuming at frame " + std::to_string(durable) : "new"));
    if (!checkpoint_ || checkpoint_->session != session) {
      checkpoint_ = ReceiverCheckpoint{session, 0, hello.disk_size, false};
    }
    expected_seq_ = durable;
    Welcome w;
    w.durable_seq = durable;
    w.target_size = size_;
    w.target_reads_as_zero = target_fresh_ && durable == 0;
    return w;
  }

  void open_target(uint64_t size) {
    if (fd_ >= 0) {
      if (size != size_) throw ProtocolError("the sender's disk size changed");
      return;
    }
    fd_ = ::open(opt_.target_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) {
      throw ReceiveError("cannot open the target " + opt_.target_path + ": " +
                         std::strerror(errno));
    }
    struct stat st {};
    ::fstat(fd_, &st);
    if (S_ISREG(st.st_mode)) {
      target_fresh_ = st.st_size == 0;  // a new or empty file reads as zeroes once extended
      if (static_cast<uint64_t>(st.st_size) != size &&
          ::ftruncate(fd_, static_cast<off_t>(size)) != 0) {
        throw ReceiveError("cannot size the target " + opt_.target_path + ": " +
                           std::strerror(errno));
      }
    } else if (const uint64_t held = file_or_device_size(fd_, opt_.target_path); held < size) {
      throw ReceiveError("the target device " + opt_.target_path + " holds " +
                         std::to_string(held) + " bytes, less than the source's " +
                         std::to_string(size));
    }
    size_ = size;
    report_.size = size;
  }

  void check_range(const FrameHeader& h) {
    if (h.offset > size_ || h.length > size_ - h.offset) {
      throw ProtocolError(frame_type_name(h.type) + " frame at offset " + std::to_string(h.offset) +
                          " length " + std::to_string(h.length) + " reaches past the disk (" +
                          std::to_string(size_) + " bytes)");
    }
  }

  void check_seq(const FrameHeader& h) {
    if (h.seq != expected_seq_) {
      throw ProtocolError(frame_type_name(h.type) + " frame out of sequence: got " +
                          std::to_string(h.seq) + ", expected " + std::to_string(expected_seq_));
    }
  }

  void write_at(const uint8_t* p, uint64_t len, uint64_t off) {
    while (len > 0) {
      const ssize_t n = ::pwrite(fd_, p, len, static_cast<off_t>(off));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        throw ReceiveError("writing " + std::to_string(len) + " bytes at offset " +
                           std::to_string(off) + " of " + opt_.target_path +
                           " failed: " + std::strerror(n < 0 ? errno : EIO));
      }
      p += n;
      len -= static_cast<uint64_t>(n);
      off += static_cast<uint64_t>(n);
    }
  }

  void zero(uint64_t off, uint64_t len) {
    if (::fallocate(fd_, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, static_cast<off_t>(off),
                    static_cast<off_t>(len)) == 0) {
      return;
    }
    // Block devices and some filesystems cannot punch holes: write zeroes.
    static const std::vector<uint8_t> zeroes(1 << 20);
    while (len > 0) {
      const uint64_t n = std::min<uint64_t>(len, zeroes.size());
      write_at(zeroes.data(), n, off);
      off += n;
      len -= n;
    }
  }

  void make_durable(bool complete) {
    if (::fdatasync(fd_) != 0) {
      throw ReceiveError("flushing " + opt_.target_path + " failed: " + std::strerror(errno));
    }
    checkpoint_->durable_seq = expected_seq_;
    checkpoint_->complete = complete;
    store(opt_.checkpoint_path, *checkpoint_);
  }

  asio::awaitable<void> session(TlsStream& st, uint64_t generation) {
    // One payload and one plain buffer for the whole session, default-initialised: fresh,
    // zero-filled buffers per frame cost more than decompressing.
    const std::unique_ptr<uint8_t[]> payload_buf(new uint8_t[kMaxPayload]);
    const std::unique_ptr<uint8_t[]> plain_buf(new uint8_t[kMaxDataLength]);
    std::unique_ptr<ZSTD_DCtx, size_t (*)(ZSTD_DCtx*)> dctx(ZSTD_createDCtx(), ZSTD_freeDCtx);
    while (true) {
      const FrameHeader h = co_await read_frame_into(st, {payload_buf.get(), kMaxPayload});
      if (generation != generation_) co_return;  // superseded by a newer connection
      const std::span<const uint8_t> payload(payload_buf.get(), h.payload_length);
      report_.bytes_received += kHeaderSize + payload.size();
      switch (h.type) {
        case FrameType::kData:
          check_seq(h);
          check_range(h);
          // Every check before any byte is written.
          decode_data(h, payload, dctx.get(), std::span<uint8_t>(plain_buf.get(), kMaxDataLength));
          write_at(plain_buf.get(), h.length, h.offset);
          target_fresh_ = false;  // a later session must not be told it reads as zeroes
          report_.bytes_written += h.length;
          ++expected_seq_;
          ++report_.frames;
          break;
        case FrameType::kZero:
          check_seq(h);
          check_range(h);
          zero(h.offset, h.length);
          report_.bytes_zeroed += h.length;
          ++expected_seq_;
          ++report_.frames;
          break;
        case FrameType::kFlush:
        case FrameType::kEnd: {
          check_seq(h);
          const bool end = h.type == FrameType::kEnd;
          make_durable(end);
          co_await send(st, encode_control(FrameType::kAck, expected_seq_));
          if (end && generation == generation_) {
            log("transfer complete: " + std::to_string(expected_seq_) + " frames");
            done_ = true;
            ctx_.stop();
            co_return;
          }
          break;
        }
        case FrameType::kError:
          throw ReceiveError("the sender ended the stream: " + decode_error(h, payload));
        default:
          throw ProtocolError("unexpected " + frame_type_name(h.type) + " frame from the sender");
      }
    }
  }

  ReceiverOptions opt_;
  asio::ssl::context tls_;
  asio::io_context ctx_;
  asio::ip::tcp::acceptor acceptor_;
  std::shared_ptr<PeerCheck> check_;
  std::string own_fingerprint_;
  std::optional<ReceiverCheckpoint> checkpoint_;
  std::shared_ptr<TlsStream> current_;
  uint64_t generation_ = 0;
  uint64_t expected_seq_ = 0;
  int fd_ = -1;
  uint64_t size_ = 0;
  bool target_fresh_ = false;
  bool done_ = false;
  std::string fatal_;
  Clock::time_point start_{};
  ReceiveReport report_;
};

}  // namespace

ReceiveReport run_receiver(const ReceiverOptions& options) {
  Receiver r(options);
  return r.run();
}

}  // namespace mm::transfer::stream
