#include "transfer/stream/receiver.h"

#include <fcntl.h>
#include <linux/falloc.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <deque>
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

std::string seconds_text(std::chrono::milliseconds d) {
  char buf[32];
  snprintf(buf, sizeof buf, "%g s", static_cast<double>(d.count()) / 1000);
  return buf;
}

// One authenticated connection. Everything the receiver sends on it goes through its writer
// coroutine (one write at a time on a TLS stream), which also sends the pings that keep a quiet
// but healthy link from looking stalled to the sender.
struct Conn {
  explicit Conn(std::shared_ptr<TlsStream> s, asio::io_context& ctx) : st(std::move(s)), wake(ctx) {
    wake.expires_at(asio::steady_timer::time_point::max());
  }
  std::shared_ptr<TlsStream> st;
  asio::steady_timer wake;  // the writer waits on it; cancel() wakes it
  std::deque<std::vector<uint8_t>> outq;
  // Runs once the queue is written (true) or the writing failed (false).
  std::function<void(bool sent)> after_drain;
  uint64_t generation = 0;
  uint16_t version = 1;
  RxActivity rx;
  Clock::time_point last_tx = Clock::now();
  std::chrono::milliseconds peer_stall{0};  // the sender's stall timeout, from its pings
  bool stalled = false;
  bool closed = false;

  void push(std::vector<uint8_t> frame) {
    outq.push_back(std::move(frame));
    wake.cancel();
  }
  void close() {
    closed = true;
    boost::system::error_code ignored;
    st->lowest_layer().close(ignored);
    wake.cancel();
  }
};

// Quiet for a quarter of the peer's stall timeout: ping (10 ms at least, 0 when it wants none).
std::chrono::milliseconds ping_interval(std::chrono::milliseconds peer_stall) {
  if (peer_stall.count() <= 0) return std::chrono::milliseconds(0);
  return std::max(peer_stall / 4, std::chrono::milliseconds(10));
}

class Receiver {
 public:
  explicit Receiver(const ReceiverOptions& o)
      : opt_(o), tls_(asio::ssl::context::tls_server), acceptor_(ctx_), resume_timer_(ctx_) {
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
    if (!fatal_.empty()) {
      if (incomplete_) throw ReceiveIncomplete(fatal_);
      throw ReceiveError(fatal_);
    }
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
    std::shared_ptr<Conn> conn;
    std::string failure;  // co_await is not allowed inside a handler: fail after it
    try {
      if (hello_frame.header.type != FrameType::kHello) {
        throw ProtocolError("expected a hello frame, got " +
                            frame_type_name(hello_frame.header.type));
      }
      const Hello hello = decode_hello(hello_frame.header, hello_frame.payload);
      const uint16_t version = negotiate_version(hello);
      // The newest authenticated connection is the sender's: an older one is a dead link.
      if (current_) current_->close();
      conn = std::make_shared<Conn>(st, ctx_);
      conn->generation = ++generation_;
      conn->version = version;
      current_ = conn;
      ++report_.connections;
      asio::co_spawn(ctx_, writer(conn), asio::detached);
      Welcome w = begin_session(hello, peer);
      w.version = version;
      conn->push(encode_welcome(w));
      if (version >= kVersionPing) {
        // Tell the sender how often it must be heard from; then watch that it is.
        conn->push(encode_control(FrameType::kPing, ms_count(opt_.stall_timeout)));
        if (opt_.stall_timeout.count() > 0) asio::co_spawn(ctx_, watchdog(conn), asio::detached);
      }
      co_await session(conn);
    } catch (const FrameError& e) {
      failure = e.what();
    } catch (const ReceiveError& e) {
      failure = e.what();
    } catch (const boost::system::system_error& e) {
      if (conn && conn->generation == generation_ && !done_) {
        log("link from " + peer + " " +
            (conn->stalled
                 ? "stalled (nothing received for " + seconds_text(opt_.stall_timeout) + ")"
                 : "lost (" + e.code().message() + ")") +
            ": waiting for the sender to reconnect");
        await_resume();
      }
      if (conn) conn->close();
    }
    if (!failure.empty()) co_await fail(st, conn, failure);
  }

  static uint64_t ms_count(std::chrono::milliseconds d) {
    return static_cast<uint64_t>(std::max<int64_t>(0, d.count()));
  }

  // Sends what the session queues, one frame at a time, and a ping when the link has been quiet
  // for a quarter of the sender's stall timeout.
  asio::awaitable<void> writer(std::shared_ptr<Conn> c) {
    try {
      while (!c->closed) {
        if (!c->outq.empty()) {
          const std::vector<uint8_t> frame = std::move(c->outq.front());
          c->outq.pop_front();
          co_await asio::async_write(*c->st, asio::buffer(frame), asio::use_awaitable);
          c->last_tx = Clock::now();
          if (c->outq.empty() && c->after_drain) {
            const auto then = std::move(c->after_drain);
            c->after_drain = nullptr;
            then(true);
          }
          continue;
        }
        const auto interval = c->version >= kVersionPing ? ping_interval(c->peer_stall)
                                                         : std::chrono::milliseconds(0);
        if (interval.count() > 0 && Clock::now() >= c->last_tx + interval) {
          c->outq.push_back(encode_control(FrameType::kPing, ms_count(opt_.stall_timeout)));
          continue;
        }
        c->wake.expires_at(interval.count() > 0 ? c->last_tx + interval
                                                : asio::steady_timer::time_point::max());
        boost::system::error_code ec;
        co_await c->wake.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      }
    } catch (const std::exception&) {
      // The link broke: the session's read fails too and says so.
    }
    if (c->after_drain) {
      const auto then = std::move(c->after_drain);
      c->after_drain = nullptr;
      then(false);
    }
  }

  // Closes a connection that has delivered nothing for the stall timeout: a frozen link or a hung
  // sender holds a socket open forever otherwise. The sender pings when it has nothing to send.
  asio::awaitable<void> watchdog(std::shared_ptr<Conn> c) {
    asio::steady_timer t(ctx_);
    while (!c->closed && !done_) {
      const auto deadline = c->rx.last + opt_.stall_timeout;
      if (Clock::now() >= deadline) {
        c->stalled = true;
        c->close();
        co_return;
      }
      t.expires_at(deadline);
      boost::system::error_code ec;
      co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
  }

  // The current connection was lost mid-transfer: give a sender resume_timeout to come back.
  void await_resume() {
    if (opt_.resume_timeout.count() <= 0) return;
    const uint64_t generation = generation_;
    resume_timer_.expires_after(opt_.resume_timeout);
    resume_timer_.async_wait([this, generation](boost::system::error_code ec) {
      if (ec || generation != generation_ || done_) return;
      const uint64_t durable = checkpoint_ ? checkpoint_->durable_seq : 0;
      log("no sender resumed within " + seconds_text(opt_.resume_timeout));
      incomplete_ = true;
      stop("the transfer is incomplete: no sender resumed within " +
           seconds_text(opt_.resume_timeout) + " of the link loss; " + opt_.checkpoint_path +
           " keeps " + std::to_string(durable) +
           " durable frames: run receive again and restart the sender to resume");
    });
  }

  // Ends the stream: tells the sender why (best effort) and stops the receiver.
  asio::awaitable<void> fail(std::shared_ptr<TlsStream> st, std::shared_ptr<Conn> conn,
                             const std::string& why) {
    if (conn && conn->generation != generation_) co_return;  // a superseded connection
    log("error: " + why);
    if (conn && !conn->closed) {
      // The writer owns the stream: queue the error and stop once it is sent (or cannot be).
      conn->after_drain = [this, why](bool) { stop(why); };
      conn->push(encode_error(why));
      co_return;
    }
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

  asio::awaitable<void> session(std::shared_ptr<Conn> c) {
    TlsStream& st = *c->st;
    const uint64_t generation = c->generation;
    // One payload and one plain buffer for the whole session, default-initialised: fresh,
    // zero-filled buffers per frame cost more than decompressing.
    const std::unique_ptr<uint8_t[]> payload_buf(new uint8_t[kMaxPayload]);
    const std::unique_ptr<uint8_t[]> plain_buf(new uint8_t[kMaxDataLength]);
    std::unique_ptr<ZSTD_DCtx, size_t (*)(ZSTD_DCtx*)> dctx(ZSTD_createDCtx(), ZSTD_freeDCtx);
    while (true) {
      const FrameHeader h = co_await read_frame_into(st, {payload_buf.get(), kMaxPayload}, &c->rx);
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
          c->rx.last = Clock::now();  // time spent on our own disk is not the link's silence
          c->push(encode_control(FrameType::kAck, expected_seq_));
          if (end) {
            // Done once the sender has its acknowledgement. If that write fails, the sender
            // reconnects and sends `end` again, and this receiver acknowledges it again.
            c->after_drain = [this, c](bool sent) {
              if (!sent || c->generation != generation_ || done_) return;
              log("transfer complete: " + std::to_string(expected_seq_) + " frames");
              done_ = true;
              resume_timer_.cancel();
              ctx_.stop();
            };
          }
          break;
        }
        case FrameType::kPing:
          if (c->version < kVersionPing) {
            throw ProtocolError("a ping frame in protocol version " + std::to_string(c->version));
          }
          c->peer_stall = std::chrono::milliseconds(std::min<uint64_t>(h.seq, 1ull << 40));
          c->wake.cancel();  // the writer recomputes its ping interval
          break;
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
  std::shared_ptr<Conn> current_;
  asio::steady_timer resume_timer_;
  bool incomplete_ = false;
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
