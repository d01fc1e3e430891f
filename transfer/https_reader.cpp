// Reads a disk from the vSphere datastore file service (docs/datastore-source.md): HTTPS range GETs
// on keep-alive connections, one blocking connection per worker thread. The engine stays single-
// threaded: workers take requests from a queue and hand finished ones back through an eventfd the
// ring polls, and tick() delivers them on the engine's thread. A URI naming a VMDK descriptor is
// resolved here to its flat extents, read in order as one disk.
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <utility>

#include "transfer/backends.h"
#include "transfer/event_loop.h"
#include "transfer/file_util.h"
#include "transfer/http_range_client.h"
#include "transfer/vmdk_descriptor.h"

namespace mm::transfer {
namespace {

// A part of the disk: bytes of one file on the datastore, or zeroes (a VMDK ZERO extent).
struct Piece {
  uint64_t disk_offset = 0, length = 0;
  std::string target;  // path?query; empty for zeroes
  uint64_t file_offset = 0;
};

std::string encode_name(std::string_view s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

// Reconnects as NBD ones are (docs/transfer.md): 100 ms doubling to 5 s, 10 attempts.
constexpr int kMaxAttempts = 10;
std::chrono::milliseconds backoff(int attempt) {
  return std::chrono::milliseconds(std::min(5000, 100 << std::min(attempt, 6)));
}

class HttpsReader final : public SourceReader {
 public:
  HttpsReader(const Endpoint& e, EventLoop& loop, const ReaderOptions& options)
      : uri_(e.uri), loop_(loop), poller_(this) {
    server_.host = e.host;
    server_.port = e.port;
    server_.pin = e.http_trust;
    server_.cookie = e.http_cookie;
    server_.timeout = e.http_timeout;
    const std::string query = "?" + e.http_query;
    auto first = std::make_unique<HttpsConnection>(server_);
    resolve(*first, e.http_path, query);
    if (e.data_extents) apply_data_extents(*e.data_extents);
    const unsigned n = std::clamp(options.connections, 1u, 16u);
    max_in_flight_ = n * std::clamp(options.requests_per_connection, 2u, 4u);
    efd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (efd_ < 0) throw_errno(errno, "eventfd");
    conns_.push_back(std::move(first));
    for (unsigned i = 1; i < n; ++i) conns_.push_back(std::make_unique<HttpsConnection>(server_));
    for (auto& c : conns_) threads_.emplace_back([this, conn = c.get()] { work(*conn); });
    threads_.emplace_back([this] { watch(); });
  }

  ~HttpsReader() override {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    for (auto& c : conns_) c->check_stall(true);  // a worker blocked in a body read returns now
    for (auto& t : threads_) t.join();
    if (efd_ >= 0) ::close(efd_);
  }

  uint64_t size() const override { return size_; }

  void map(uint64_t offset, uint64_t length, const ExtentVisitor& visit) override {
    const uint64_t end = offset + length;
    for (const auto& s : segments_) {
      const uint64_t a = std::max(offset, s.offset), b = std::min(end, s.offset + s.length);
      if (a < b) visit(a, b - a, s.zero);
    }
  }

  void start_read(IoRequest& req) override {
    {
      std::lock_guard lock(mu_);
      queue_.push_back(&req);
    }
    cv_.notify_one();
  }

  unsigned max_in_flight() const override { return max_in_flight_; }

  void tick() override {
    uint64_t count = 0;
    while (::read(efd_, &count, sizeof(count)) > 0) {
    }
    std::vector<Done> done;
    {
      std::lock_guard lock(mu_);
      done.swap(done_);
    }
    for (const Done& d : done) {
      if (!d.error.empty()) throw std::runtime_error(d.error);
      d.req->error = 0;
      d.req->owner->io_done(*d.req);
    }
    if (!poller_.armed) {
      io_uring_sqe* sqe = loop_.prepare(&poller_);
      io_uring_prep_poll_add(sqe, efd_, POLLIN);
      poller_.armed = true;
    }
  }

  std::string describe() const override {
    return uri_ + " (" + std::to_string(conns_.size()) + " connection" +
           (conns_.size() > 1 ? "s" : "") + ")";
  }
  std::string take_notice() override { return std::exchange(notice_, std::string()); }
  uint64_t reconnects() const override { return reconnects_.load(); }

 private:
  struct Poller final : EventLoop::Handler {
    explicit Poller(HttpsReader*) {}
    bool armed = false;
    void on_completion(int, uint32_t) override { armed = false; }
  };
  struct Done {
    IoRequest* req;
    std::string error;  // non-empty: the source is lost (thrown on the engine's thread)
  };
  struct Segment {
    uint64_t offset, length;
    bool zero;
  };

  // The file behind the URI: a flat disk, or a descriptor naming its flat extents.
  void resolve(HttpsConnection& c, const std::string& path, const std::string& query) {
    const uint64_t size = c.size_of(path + query);
    std::string head(static_cast<size_t>(std::min<uint64_t>(size, kMaxDescriptorSize)), '\0');
    if (!head.empty()) {
      // A descriptor is read whole; of anything bigger only the start (for the sparse magic).
      const uint64_t want = size <= kMaxDescriptorSize ? size : 512;
      head.resize(want);
      c.read_range(path + query, 0, want, reinterpret_cast<unsigned char*>(head.data()));
    }
    if (const std::string sparse = sparse_vmdk_magic(head); !sparse.empty()) {
      throw std::runtime_error("cannot read " + uri_ + " through the datastore: it is a " + sparse +
                               ", not a flat disk");
    }
    if (size > kMaxDescriptorSize || !looks_like_vmdk_descriptor(head)) {
      pieces_.push_back({0, size, path + query, 0});
      size_ = size;
      segments_.push_back({0, size, false});
      return;
    }
    VmdkDescriptor d;
    try {
      d = parse_vmdk_descriptor(head);
    } catch (const VmdkDescriptorError& err) {
      throw std::runtime_error(uri_ + ": " + err.what());
    }
    const std::string dir = path.substr(0, path.rfind('/') + 1);
    uint64_t at = 0;
    for (const VmdkExtent& x : d.extents) {
      const uint64_t len = x.sectors * kVmdkSector;
      if (x.type == VmdkExtent::Type::kZero) {
        pieces_.push_back({at, len, {}, 0});
        segments_.push_back({at, len, true});
      } else {
        const std::string target = dir + encode_name(x.file) + query;
        const uint64_t file_size = c.size_of(target);
        const uint64_t need = (x.file_offset + x.sectors) * kVmdkSector;
        if (file_size < need) {
          throw std::runtime_error("the extent " + x.file + " of " + uri_ + " holds " +
                                   std::to_string(file_size) + " bytes; the descriptor needs " +
                                   std::to_string(need));
        }
        pieces_.push_back({at, len, target, x.file_offset * kVmdkSector});
        segments_.push_back({at, len, false});
      }
      at += len;
    }
    size_ = at;
    if (d.extents.size() > 1) {
      notice_ = "the datastore disk " + uri_ + " (" + d.create_type + ") is read from " +
                std::to_string(d.extents.size()) + " extents";
    }
  }

  // The allocated areas (CBT changeId "*"): the rest of the disk reads as zero.
  void apply_data_extents(std::vector<cbt::Extent> data) {
    std::sort(data.begin(), data.end(),
              [](const cbt::Extent& a, const cbt::Extent& b) { return a.offset < b.offset; });
    for (const auto& x : data) {
      if (x.end() > size_) {
        throw std::runtime_error("the extents file reaches byte " + std::to_string(x.end()) +
                                 ", past the end of " + uri_ + " (" + std::to_string(size_) +
                                 " bytes)");
      }
    }
    std::vector<Segment> out;
    auto add = [&](uint64_t off, uint64_t len, bool zero) {
      if (len == 0) return;
      if (!out.empty() && out.back().zero == zero && out.back().offset + out.back().length == off) {
        out.back().length += len;
      } else {
        out.push_back({off, len, zero});
      }
    };
    for (const Segment& s : segments_) {
      if (s.zero) {
        add(s.offset, s.length, true);
        continue;
      }
      uint64_t pos = s.offset;
      const uint64_t end = s.offset + s.length;
      for (const auto& x : data) {
        const uint64_t a = std::max(pos, x.offset), b = std::min(end, x.end());
        if (a >= b) continue;
        add(pos, a - pos, true);
        add(a, b - a, false);
        pos = b;
      }
      add(pos, end - pos, true);
    }
    segments_ = std::move(out);
  }

  // A worker: one connection, one request at a time.
  void work(HttpsConnection& c) {
    for (;;) {
      IoRequest* req = nullptr;
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
        if (stop_) return;
        req = queue_.front();
        queue_.pop_front();
      }
      std::string error = read_request(c, *req);
      {
        std::lock_guard lock(mu_);
        done_.push_back({req, std::move(error)});
      }
      const uint64_t one = 1;
      [[maybe_unused]] ssize_t n = ::write(efd_, &one, sizeof(one));
    }
  }

  // Ends body reads that stall past the timeout (blocking reads have no deadline of their own).
  void watch() {
    std::unique_lock lock(mu_);
    while (!cv_.wait_for(lock, std::chrono::seconds(1), [&] { return stop_; })) {
      for (auto& c : conns_) c->check_stall();
    }
  }

  // Returns an empty string on success, else the message that ends the transfer.
  std::string read_request(HttpsConnection& c, IoRequest& req) {
    const uint64_t end = req.offset + req.length;
    for (const Piece& p : pieces_) {
      const uint64_t a = std::max(req.offset, p.disk_offset);
      const uint64_t b = std::min(end, p.disk_offset + p.length);
      if (a >= b) continue;
      unsigned char* dst = req.buf + (a - req.offset);
      if (p.target.empty()) {
        std::memset(dst, 0, b - a);
        continue;
      }
      for (int attempt = 0;; ++attempt) {
        try {
          c.read_range(p.target, p.file_offset + (a - p.disk_offset), b - a, dst);
          break;
        } catch (const HttpError& err) {
          if (!err.retryable()) return err.what();
          if (attempt + 1 >= kMaxAttempts) {
            return std::string(err.what()) + " (gave up after " + std::to_string(kMaxAttempts) +
                   " attempts)";
          }
          c.reset();
          ++reconnects_;
          std::unique_lock lock(mu_);
          if (cv_.wait_for(lock, backoff(attempt), [&] { return stop_; })) return "stopped";
        }
      }
    }
    return {};
  }

  std::string uri_;
  EventLoop& loop_;
  HttpsServer server_;
  uint64_t size_ = 0;
  std::vector<Piece> pieces_;
  std::vector<Segment> segments_;
  std::string notice_;
  unsigned max_in_flight_ = 0;
  int efd_ = -1;
  Poller poller_;
  std::vector<std::unique_ptr<HttpsConnection>> conns_;
  std::vector<std::thread> threads_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::deque<IoRequest*> queue_;
  std::vector<Done> done_;
  std::atomic<uint64_t> reconnects_{0};
};

}  // namespace

std::unique_ptr<SourceReader> make_https_reader(const Endpoint& e, EventLoop& loop,
                                                const ReaderOptions& options) {
  try {
    return std::make_unique<HttpsReader>(e, loop, options);
  } catch (const HttpError& err) {
    throw std::runtime_error(std::string(err.what()));
  }
}

}  // namespace mm::transfer
