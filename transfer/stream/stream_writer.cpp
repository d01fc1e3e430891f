// mmt://HOST:PORT as a copy target: the sending end of the stream protocol
// (docs/stream-protocol.md).
//
// Threading. TLS and the socket run on one helper thread with its own Asio io_context (coroutines),
// not on the copier's io_uring: OpenSSL wants to own its reads and writes, and Asio's ssl::stream
// already sequences them, so polling the socket from the copier's loop would mean re-implementing
// that state machine. The helper thread also hashes and compresses the frames, which gives the
// compression a second core. The two threads meet in three places only:
//   - requests go to the helper with asio::post (the helper's queue is bounded by the copier's own
//     in-flight limit, max_in_flight());
//   - finished requests come back in a mutex-protected list, and an eventfd polled on the copier's
//     io_uring wakes the copier, which delivers them from tick() (so no callback re-enters it);
//   - a fatal error is a string under the same mutex, thrown by the copier from tick().
//
// Durability and resume. A data or zero request is finished as soon as its frame is encoded (the
// copier's buffer is free again): the frame stays in the replay log until the receiver acknowledges
// it durable. A flush request finishes only when an acknowledgement covers every frame before it,
// so the copier's checkpoint is never ahead of the receiver's disk. When the link drops, the helper
// reconnects with backoff and resends the log from the receiver's durable checkpoint (its welcome).
// The log is bounded: at half the budget the helper asks for an acknowledgement itself, and when it
// is full it stops taking requests, which holds the copier back.
//
// Liveness (protocol version 2). Each end pings when it has sent nothing for a quarter of the
// peer's stall timeout; a link that delivers no byte for our own --stall-timeout is closed by
// watchdog() and handled like a dropped one (reconnect within the budget, resume from the
// receiver's checkpoint). An outage ends only when a link moves the acknowledgements on.
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <optional>
#include <random>
#include <thread>

#include "transfer/backends.h"
#include "transfer/event_loop.h"
#include "transfer/stream/frame.h"
#include "transfer/stream/tls.h"

namespace mm::transfer {
namespace {

using namespace stream;  // NOLINT: the protocol's names read better unqualified here
using Clock = std::chrono::steady_clock;

constexpr unsigned kMaxInFlight = 64;
constexpr auto kConnectDeadline = std::chrono::seconds(15);
constexpr auto kBackoffMin = std::chrono::milliseconds(100);
constexpr auto kBackoffMax = std::chrono::milliseconds(2000);

// The receiver said no, or broke the protocol: reconnecting cannot help.
struct Fatal : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class StreamWriter final : public TargetWriter {
 public:
  StreamWriter(const Endpoint& e, EventLoop& loop, uint64_t size, const WriterOptions& o)
      : uri_(e.uri),
        host_(e.host),
        port_(e.port),
        loop_(loop),
        size_(size),
        opt_(o.stream),
        target_is_zero_(o.target_is_zero),
        tls_(asio::ssl::context::tls_client),
        wake_(ctx_) {
    if (opt_.cert_path.empty() || opt_.key_path.empty() || opt_.trust.empty()) {
      throw std::runtime_error(uri_ + " needs --tls-cert, --tls-key and --trust");
    }
    check_ = configure_tls(tls_, false, opt_.cert_path, opt_.key_path, opt_.trust);
    own_fingerprint_ = certificate_fingerprint(opt_.cert_path);
    std::random_device rd;
    for (auto& b : session_) b = static_cast<uint8_t>(rd());
    cctx_ = ZSTD_createCCtx();
    efd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (!cctx_ || efd_ < 0) throw std::runtime_error("cannot set up the stream to " + uri_);
    wakeup_.writer = this;
    wake_.expires_at(asio::steady_timer::time_point::max());
    asio::co_spawn(ctx_, connection_loop(), asio::detached);
    thread_ = std::thread([this] { ctx_.run(); });
    // The copy starts once the receiver has welcomed us (or refused us: a clear error now).
    std::unique_lock lock(mu_);
    cv_.wait(lock, [this] { return welcomed_ || !fatal_.empty(); });
    if (!fatal_.empty()) {
      const std::string why = fatal_;
      lock.unlock();
      shutdown();
      ZSTD_freeCCtx(cctx_);  // the destructor does not run for a constructor that throws
      ::close(efd_);
      throw std::runtime_error(why);
    }
  }

  ~StreamWriter() override {
    shutdown();
    ZSTD_freeCCtx(cctx_);
    if (efd_ >= 0) ::close(efd_);
  }

  uint64_t size() const override { return size_; }
  bool reads_as_zero() const override {
    return target_is_zero_ || first_welcome_.target_reads_as_zero;
  }
  void start_write(IoRequest& req) override { submit(Job::kData, &req); }
  void start_zero(IoRequest& req) override { submit(Job::kZero, &req); }
  void start_flush(IoRequest& req) override { submit(Job::kFlush, &req); }
  unsigned max_in_flight() const override { return kMaxInFlight; }
  std::string describe() const override { return uri_; }
  uint64_t reconnects() const override { return reconnects_.load(); }

  void tick() override {
    if (!wakeup_.armed) {
      io_uring_sqe* sqe = loop_.prepare(&wakeup_);
      io_uring_prep_poll_add(sqe, efd_, POLLIN);
      wakeup_.armed = true;
    }
    uint64_t counter;
    while (::read(efd_, &counter, sizeof counter) > 0) {
    }
    std::vector<IoRequest*> done;
    {
      std::lock_guard lock(mu_);
      if (!fatal_.empty()) throw std::runtime_error(fatal_);
      done.swap(done_);
    }
    for (IoRequest* r : done) r->owner->io_done(*r);
  }

  void finish() override {
    submit(Job::kEnd, nullptr);
    std::unique_lock lock(mu_);
    cv_.wait(lock, [this] { return end_acked_ || !fatal_.empty(); });
    if (!fatal_.empty()) throw std::runtime_error(fatal_);
  }

 private:
  struct Job {
    enum Kind { kData, kZero, kFlush, kEnd } kind;
    IoRequest* req;
  };

  // A frame's bytes. Data frames are encoded into buffers reused through spare_, allocated without
  // zero-filling: fresh buffers per frame cost a memset and page faults (first touch runs at a
  // fraction of copy speed), which took half of the sender's time.
  struct FrameBuf {
    std::unique_ptr<uint8_t[]> data;
    size_t capacity = 0;
    size_t size = 0;
  };
  using FramePtr = std::shared_ptr<FrameBuf>;

  // One frame of the replay log, in stream order.
  struct Entry {
    Job::Kind kind;
    uint64_t seq;  // data/zero: the frame's number; flush/end: the frames before it
    FramePtr frame;
    uint64_t cost = 0;         // bytes of memory it holds (counted against the replay budget)
    IoRequest* req = nullptr;  // flush/end requests wait for the acknowledgement
  };

  struct Wakeup final : EventLoop::Handler {
    StreamWriter* writer = nullptr;
    bool armed = false;
    void on_completion(int, uint32_t) override { armed = false; }
  };

  struct Link {
    std::shared_ptr<TlsStream> stream;
    bool dead = false;
    std::string error;
    uint16_t version = 1;  // negotiated; pings and stall detection from kVersionPing on
    RxActivity rx;         // when the receiver was last heard from
    Clock::time_point last_tx = Clock::now();
    std::chrono::milliseconds peer_stall{0};  // the receiver's stall timeout, from its pings
  };

  // ---- copier thread ----

  void submit(Job::Kind kind, IoRequest* req) {
    asio::post(ctx_, [this, kind, req] {
      jobs_.push_back({kind, req});
      wake_.cancel();
    });
  }

  void shutdown() {
    if (!thread_.joinable()) return;
    asio::post(ctx_, [this] { ctx_.stop(); });
    thread_.join();
  }

  // ---- helper thread ----

  void complete(IoRequest* req, int error) {
    if (!req) return;
    req->error = error;
    {
      std::lock_guard lock(mu_);
      done_.push_back(req);
    }
    const uint64_t one = 1;
    [[maybe_unused]] ssize_t n = ::write(efd_, &one, sizeof one);
  }

  void set_fatal(const std::string& why) {
    {
      std::lock_guard lock(mu_);
      if (fatal_.empty()) fatal_ = why;
    }
    cv_.notify_all();
    const uint64_t one = 1;
    [[maybe_unused]] ssize_t n = ::write(efd_, &one, sizeof one);
    ctx_.stop();
  }

  uint64_t log_end_id() const { return log_base_id_ + log_.size(); }

  FramePtr take_buffer(size_t need) {
    while (!spare_.empty()) {
      FramePtr b = std::move(spare_.back());
      spare_.pop_back();
      spare_bytes_ -= b->capacity;
      if (b->capacity >= need) return b;
    }
    auto b = std::make_shared<FrameBuf>();
    b->data.reset(new uint8_t[need]);  // default-initialised: no memset
    b->capacity = need;
    return b;
  }

  void recycle(FramePtr b) {
    // Only data buffers, only when no write still holds them, and at most a budget's worth (so
    // the sender holds at most twice the replay budget in frames).
    if (b && b.use_count() == 1 && b->capacity >= 64 * 1024 &&
        spare_bytes_ + b->capacity <= opt_.replay_budget) {
      spare_bytes_ += b->capacity;
      spare_.push_back(std::move(b));
    }
  }

  static FramePtr control_frame(const std::vector<uint8_t>& bytes) {
    auto b = std::make_shared<FrameBuf>();
    b->data.reset(new uint8_t[bytes.size()]);
    std::memcpy(b->data.get(), bytes.data(), bytes.size());
    b->capacity = b->size = bytes.size();
    return b;
  }

  // Moves requests into the replay log while the budget allows.
  void encode_jobs() {
    while (!jobs_.empty() && retained_bytes_ < opt_.replay_budget) {
      const Job job = jobs_.front();
      jobs_.pop_front();
      Entry e{job.kind, next_seq_, nullptr, 0, nullptr};
      switch (job.kind) {
        case Job::kData:
          e.frame = take_buffer(max_encoded_size(job.req->length));
          e.frame->size =
              encode_data(next_seq_++, job.req->offset, {job.req->buf, job.req->length},
                          opt_.compress, cctx_, {e.frame->data.get(), e.frame->capacity});
          complete(job.req, 0);  // the frame holds the data now: the copier's buffer is free
          break;
        case Job::kZero:
          e.frame = control_frame(
              encode_control(FrameType::kZero, next_seq_++, job.req->offset, job.req->length));
          complete(job.req, 0);
          break;
        case Job::kFlush:
        case Job::kEnd:
          e.frame = control_frame(encode_control(
              job.kind == Job::kEnd ? FrameType::kEnd : FrameType::kFlush, next_seq_));
          e.req = job.req;
          bytes_since_flush_ = 0;
          break;
      }
      // Memory held, not bytes sent: the budget bounds the log's memory, and the flush below must
      // come before the same measure fills the budget, or the log would wait for an ack never
      // asked.
      e.cost = e.frame->capacity;
      retained_bytes_ += e.cost;
      if (job.kind == Job::kData || job.kind == Job::kZero) bytes_since_flush_ += e.cost;
      log_.push_back(std::move(e));
      // Ask for an acknowledgement before the log fills, so that sending never stalls on it.
      if (bytes_since_flush_ >= opt_.replay_budget / 2) {
        FramePtr flush = control_frame(encode_control(FrameType::kFlush, next_seq_));
        retained_bytes_ += flush->capacity;
        log_.push_back({Job::kFlush, next_seq_, flush, flush->capacity, nullptr});
        bytes_since_flush_ = 0;
      }
    }
  }

  // The receiver holds frames [0, durable) on disk: drop them from the log, finish the flushes.
  void acknowledged(uint64_t durable) {
    if (durable < acked_ || durable > next_seq_) {
      throw Fatal("the receiver acknowledged frame " + std::to_string(durable) + ", outside " +
                  std::to_string(acked_) + ".." + std::to_string(next_seq_));
    }
    acked_ = durable;
    while (!log_.empty()) {
      Entry& e = log_.front();
      const bool data = e.kind == Job::kData || e.kind == Job::kZero;
      if (data ? e.seq >= durable : e.seq > durable) break;
      if (e.kind == Job::kEnd) {
        finished_ = true;
        {
          std::lock_guard lock(mu_);
          end_acked_ = true;
        }
        cv_.notify_all();
      } else {
        complete(e.req, 0);
      }
      retained_bytes_ -= e.cost;
      recycle(std::move(e.frame));
      log_.pop_front();
      ++log_base_id_;
    }
    wake_.cancel();  // room in the log again
  }

  asio::awaitable<void> connect(Link& link) {
    auto st = std::make_shared<TlsStream>(ctx_, tls_);
    link.stream = st;
    asio::steady_timer deadline(ctx_);
    deadline.expires_after(kConnectDeadline);
    deadline.async_wait([st](boost::system::error_code ec) {
      if (!ec) st->lowest_layer().close();
    });
    asio::ip::tcp::resolver resolver(ctx_);
    const auto endpoints =
        co_await resolver.async_resolve(host_, std::to_string(port_), asio::use_awaitable);
    co_await asio::async_connect(st->lowest_layer(), endpoints, asio::use_awaitable);
    st->lowest_layer().set_option(asio::ip::tcp::no_delay(true));
    try {
      co_await st->async_handshake(asio::ssl::stream_base::client, asio::use_awaitable);
    } catch (const boost::system::system_error& e) {
      if (check_->mismatch) {
        throw Fatal("refusing the receiver at " + host_ + ":" + std::to_string(port_) +
                    ": its certificate sha256 " + check_->seen + " is not the trusted " +
                    check_->trusted);
      }
      throw;
    }
    if (peer_fingerprint(*st) != check_->trusted) {
      throw Fatal("the receiver's certificate is not the trusted " + check_->trusted);
    }
    Hello hello;
    hello.disk_size = size_;
    hello.session = session_;
    hello.resume_seq = acked_;
    const std::vector<uint8_t> hello_bytes = encode_hello(hello);
    co_await asio::async_write(*st, asio::buffer(hello_bytes), asio::use_awaitable);
    RawFrame reply;
    try {
      reply = co_await read_frame(*st);
    } catch (const boost::system::system_error& e) {
      // TLS 1.3 settles the client's certificate after the client's handshake: a receiver that
      // does not trust us shows up here, as an alert instead of a welcome.
      if (e.code().category() == asio::error::get_ssl_category()) {
        throw Fatal("the receiver at " + host_ + ":" + std::to_string(port_) +
                    " refused this sender (" + e.code().message() +
                    "): its --trust must name this sender's certificate sha256 " +
                    own_fingerprint_);
      }
      throw;
    }
    if (reply.header.type == FrameType::kError) {
      throw Fatal("the receiver refused the stream: " + decode_error(reply.header, reply.payload));
    }
    if (reply.header.type != FrameType::kWelcome) {
      throw Fatal("expected a welcome from the receiver, got a " +
                  frame_type_name(reply.header.type) + " frame");
    }
    const Welcome w = decode_welcome(reply.header, reply.payload);
    deadline.cancel();
    link.version = w.version;
    link.rx.last = link.last_tx = Clock::now();
    if (link.version >= kVersionPing) {
      // Tell the receiver how often it must be heard from (its pings keep this sender's watchdog
      // quiet while it makes the target durable or has nothing to acknowledge).
      const std::vector<uint8_t> ping = encode_control(FrameType::kPing, stall_ms());
      co_await asio::async_write(*st, asio::buffer(ping), asio::use_awaitable);
    }
    if (w.target_size < size_) {
      throw Fatal("the receiver's target holds " + std::to_string(w.target_size) +
                  " bytes, less than the source's " + std::to_string(size_));
    }
    if (w.durable_seq < acked_) {
      throw Fatal("the receiver lost frames it had acknowledged (its checkpoint is at frame " +
                  std::to_string(w.durable_seq) + ", it acknowledged " + std::to_string(acked_) +
                  "); start the transfer again");
    }
    acknowledged(w.durable_seq);
    next_send_id_ = log_base_id_;  // resend everything the receiver does not hold durably
    if (!welcomed_) {
      first_welcome_ = w;
      {
        std::lock_guard lock(mu_);
        welcomed_ = true;
      }
      cv_.notify_all();
    }
  }

  uint64_t stall_ms() const {
    return static_cast<uint64_t>(std::max<int64_t>(0, opt_.stall_timeout.count()));
  }

  // Quiet for a quarter of the receiver's stall timeout: ping (0 when it wants none).
  std::chrono::milliseconds ping_interval(const Link& link) const {
    if (link.version < kVersionPing || link.peer_stall.count() <= 0) {
      return std::chrono::milliseconds(0);
    }
    return std::max(link.peer_stall / 4, std::chrono::milliseconds(10));
  }

  asio::awaitable<void> read_acks(std::shared_ptr<Link> link) {
    while (true) {
      RawFrame f = co_await read_frame(*link->stream, &link->rx);
      if (f.header.type == FrameType::kAck) {
        acknowledged(f.header.seq);
      } else if (f.header.type == FrameType::kPing && link->version >= kVersionPing) {
        link->peer_stall = std::chrono::milliseconds(std::min<uint64_t>(f.header.seq, 1ull << 40));
        wake_.cancel();  // the sending coroutine recomputes its ping interval
      } else if (f.header.type == FrameType::kError) {
        throw Fatal("the receiver ended the stream: " + decode_error(f.header, f.payload));
      } else {
        throw Fatal("unexpected " + frame_type_name(f.header.type) + " frame from the receiver");
      }
    }
  }

  asio::awaitable<void> send_frames(std::shared_ptr<Link> link) {
    while (true) {
      if (link->dead) throw std::runtime_error(link->error);
      encode_jobs();
      if (next_send_id_ < log_end_id()) {
        const uint64_t id = next_send_id_;
        // Held here too: an ack may drop the entry from the log before the write's handler runs.
        const FramePtr frame = log_[id - log_base_id_].frame;
        co_await asio::async_write(*link->stream, asio::buffer(frame->data.get(), frame->size),
                                   asio::use_awaitable);
        link->last_tx = Clock::now();
        next_send_id_ = std::max(next_send_id_, id + 1);
        continue;
      }
      // Nothing to send (a slow source, or a full log waiting for an ack): keep the link from
      // looking stalled to the receiver.
      const auto interval = ping_interval(*link);
      if (interval.count() > 0 && Clock::now() >= link->last_tx + interval) {
        const std::vector<uint8_t> ping = encode_control(FrameType::kPing, stall_ms());
        co_await asio::async_write(*link->stream, asio::buffer(ping), asio::use_awaitable);
        link->last_tx = Clock::now();
        continue;
      }
      wake_.expires_at(interval.count() > 0 ? link->last_tx + interval
                                            : asio::steady_timer::time_point::max());
      boost::system::error_code ec;
      co_await wake_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
  }

  // A link that delivers nothing for the stall timeout is dropped like a broken one (the receiver
  // pings when it has nothing to acknowledge, so silence means a frozen link or a hung receiver).
  asio::awaitable<void> watchdog(std::shared_ptr<Link> link) {
    if (link->version < kVersionPing || opt_.stall_timeout.count() <= 0) co_return;
    asio::steady_timer t(ctx_);
    while (!link->dead) {
      const auto deadline = link->rx.last + opt_.stall_timeout;
      if (Clock::now() >= deadline) {
        link->dead = true;
        char secs[32];
        snprintf(secs, sizeof secs, "%g s", static_cast<double>(opt_.stall_timeout.count()) / 1000);
        link->error =
            std::string("the link stalled: nothing received from the receiver for ") + secs;
        boost::system::error_code ignored;
        link->stream->lowest_layer().close(ignored);  // ends a read or write in progress
        wake_.cancel();
        co_return;
      }
      t.expires_at(deadline);
      boost::system::error_code ec;
      co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
  }

  asio::awaitable<void> connection_loop() {
    auto backoff = kBackoffMin;
    std::optional<Clock::time_point> down_since;
    std::string last_error;
    while (true) {
      auto link = std::make_shared<Link>();
      const uint64_t acked_before = acked_;
      try {
        co_await connect(*link);
        backoff = kBackoffMin;
        asio::co_spawn(ctx_, read_acks(link), [this, link](std::exception_ptr ep) {
          try {
            if (ep) std::rethrow_exception(ep);
          } catch (const Fatal& e) {
            set_fatal(e.what());
          } catch (const FrameError& e) {
            set_fatal(std::string("bad frame from the receiver: ") + e.what());
          } catch (const std::exception& e) {
            if (!link->dead) link->error = e.what();  // keep the watchdog's reason
            link->dead = true;
          }
          boost::system::error_code ignored;
          link->stream->lowest_layer().close(ignored);  // ends a write in progress
          wake_.cancel();
        });
        asio::co_spawn(ctx_, watchdog(link), asio::detached);
        co_await send_frames(link);
      } catch (const Fatal& e) {
        set_fatal(e.what());
        co_return;
      } catch (const FrameError& e) {
        set_fatal(std::string("bad frame from the receiver: ") + e.what());
        co_return;
      } catch (const std::exception& e) {
        last_error = link->dead ? link->error : e.what();
      }
      link->dead = true;         // ends its watchdog
      if (finished_) co_return;  // the receiver acknowledged `end` and went away: nothing to resume
      if (link->stream) {
        boost::system::error_code ignored;
        link->stream->lowest_layer().close(ignored);
      }
      if (!welcomed_) {
        set_fatal("cannot open the stream to " + host_ + ":" + std::to_string(port_) + ": " +
                  last_error);
        co_return;
      }
      const auto now = Clock::now();
      // An outage lasts until a link moves the transfer on: connections that are accepted and
      // then stall without an acknowledgement all count against the budget.
      if (acked_ > acked_before) down_since.reset();
      if (!down_since) down_since = now;
      if (now - *down_since > opt_.reconnect_budget) {
        set_fatal(
            "the link to " + uri_ + " stayed down (or stalled) for " +
            std::to_string(
                std::chrono::duration_cast<std::chrono::seconds>(opt_.reconnect_budget).count()) +
            " s (last error: " + last_error + ")");
        co_return;
      }
      asio::steady_timer pause(ctx_);
      pause.expires_after(backoff);
      co_await pause.async_wait(asio::use_awaitable);
      backoff =
          std::min(backoff * 2, std::chrono::duration_cast<std::chrono::milliseconds>(kBackoffMax));
      ++reconnects_;
    }
  }

  const std::string uri_, host_;
  const uint16_t port_;
  EventLoop& loop_;
  const uint64_t size_;
  const StreamOptions opt_;
  const bool target_is_zero_;
  asio::ssl::context tls_;  // before ctx_: outlives every stream the context's handlers hold
  asio::io_context ctx_;
  asio::steady_timer wake_;  // the sending coroutine waits on it; cancel() wakes it
  std::shared_ptr<PeerCheck> check_;
  std::string own_fingerprint_;
  std::array<uint8_t, kSessionIdSize> session_{};
  ZSTD_CCtx* cctx_ = nullptr;
  int efd_ = -1;
  Wakeup wakeup_;
  std::thread thread_;

  // Helper thread only.
  std::deque<Job> jobs_;
  std::deque<Entry> log_;
  std::vector<FramePtr> spare_;
  uint64_t spare_bytes_ = 0;
  uint64_t log_base_id_ = 0;   // id of log_.front()
  uint64_t next_send_id_ = 0;  // id of the next entry to send on the current link
  uint64_t retained_bytes_ = 0;
  uint64_t bytes_since_flush_ = 0;
  uint64_t next_seq_ = 0;
  uint64_t acked_ = 0;
  bool finished_ = false;  // `end` acknowledged
  Welcome first_welcome_;  // written before welcomed_ is published

  // Shared, under mu_.
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<IoRequest*> done_;
  std::string fatal_;
  bool welcomed_ = false;
  bool end_acked_ = false;
  std::atomic<uint64_t> reconnects_{0};
};

}  // namespace

std::unique_ptr<TargetWriter> make_stream_writer(const Endpoint& e, EventLoop& loop, uint64_t size,
                                                 const WriterOptions& options) {
  return std::make_unique<StreamWriter>(e, loop, size, options);
}

}  // namespace mm::transfer
