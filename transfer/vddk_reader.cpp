// Reads a VMware disk through VDDK (docs/vddk-source.md): libvixDiskLib loaded at run time
// (vddk_library.h), one VixDiskLib_ConnectEx + VixDiskLib_Open (read-only) per connection, the
// transport modes in the user's order. Reads are VixDiskLib_ReadAsync where the library has it:
// its completion callback runs on a library thread, which only queues the request and writes an
// eventfd that the engine's ring polls; tick() hands the request over on the engine's thread.
// Without ReadAsync, one thread per connection does blocking VixDiskLib_Read calls and completes
// the same way (as the datastore reader does). map() asks VixDiskLib_QueryAllocatedBlocks, so
// that a first copy never reads unallocated blocks. A failed read is retried with backoff, then
// ends the transfer with the library's error text.
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <utility>

#include "transfer/backends.h"
#include "transfer/event_loop.h"
#include "transfer/file_util.h"
#include "transfer/vddk_library.h"

namespace mm::transfer {
namespace {

using Clock = std::chrono::steady_clock;

constexpr unsigned kMaxAttempts = 4;  // per read: the first try and three retries
constexpr uint64_t kChunkBytes = VIXDISKLIB_MIN_CHUNK_SIZE * VIXDISKLIB_SECTOR_SIZE;

std::chrono::milliseconds backoff(unsigned attempt) {
  return std::chrono::milliseconds(100u << std::min(attempt, 5u));
}

class VddkReader final : public SourceReader {
 public:
  VddkReader(const Endpoint& e, EventLoop& loop, const ReaderOptions& options)
      : uri_(e.uri),
        v_(e.vddk),
        host_(e.host),
        port_(e.port),
        loop_(loop),
        poller_(),
        timer_(loop) {
    if (v_.user.empty()) {
      throw std::runtime_error(uri_ +
                               " needs credentials: --vddk-credentials-file FILE (user and "
                               "password on two lines) or MM_VDDK_USER and MM_VDDK_PASSWORD");
    }
    vmx_spec_ = "moref=" + v_.vm;
    lib_ = VddkLibrary::load(v_.libdir);
    const VddkFunctions& fn = lib_->fn();
    efd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (efd_ < 0) throw_errno(errno, "eventfd");
    try {
      const unsigned n = std::clamp(options.connections, 1u, 4u);
      for (unsigned i = 0; i < n; ++i) conns_.push_back(open_connection(i == 0));
      read_info();
      probe_allocated_blocks();
      if (e.data_extents) set_data_extents(*e.data_extents);
    } catch (...) {
      close_all();
      throw;
    }
    async_ = fn.ReadAsync != nullptr && fn.Wait != nullptr;
    const unsigned per_conn = std::clamp(options.requests_per_connection, 1u, 16u);
    slots_.resize(conns_.size() * per_conn);
    for (size_t i = slots_.size(); i-- > 0;) {
      slots_[i].self = this;
      free_slots_.push_back(&slots_[i]);
    }
    if (!async_) start_workers();
    const char* mode = fn.GetTransportMode ? fn.GetTransportMode(conns_[0]->handle) : nullptr;
    notices_.push_back(
        "reading " + v_.disk + " of " + v_.vm + (v_.snapshot.empty() ? "" : " at " + v_.snapshot) +
        " through VDDK " + lib_->path() + " (transport " + (mode ? mode : "unknown") + ", " +
        std::to_string(conns_.size()) + " connection" + (conns_.size() > 1 ? "s" : "") +
        (async_ ? ", asynchronous reads" : ", blocking reads") + ")");
  }

  ~VddkReader() override { close_all(); }

  uint64_t size() const override { return size_; }

  // Unallocated blocks read as zeroes (the disk is opened whole, never as a single link).
  void map(uint64_t offset, uint64_t length, const ExtentVisitor& visit) override {
    if (!data_extents_) return map_allocated(offset, length, visit);
    // copy --extents-file (CBT changeId "*"): data only where both it and the library say so.
    map_allocated(offset, length, [&](uint64_t off, uint64_t len, bool zero) {
      if (zero) return visit(off, len, true);
      uint64_t pos = off;
      const uint64_t end = off + len;
      auto it = std::upper_bound(data_extents_->begin(), data_extents_->end(), off,
                                 [](uint64_t v, const cbt::Extent& x) { return v < x.end(); });
      for (; it != data_extents_->end() && it->offset < end; ++it) {
        const uint64_t a = std::max(pos, it->offset), b = std::min(end, it->end());
        if (a > pos) visit(pos, a - pos, true);
        visit(a, b - a, false);
        pos = b;
      }
      if (pos < end) visit(pos, end - pos, true);
    });
  }

  // What VixDiskLib_QueryAllocatedBlocks says of [offset, offset + length).
  void map_allocated(uint64_t offset, uint64_t length, const ExtentVisitor& visit) {
    const uint64_t end = std::min(size_, offset + length);
    if (offset >= end) return;
    if (!allocated_blocks_) {
      visit(offset, end - offset, false);
      return;
    }
    const VddkFunctions& fn = lib_->fn();
    Connection& c = *conns_[0];
    uint64_t pos = offset;
    uint64_t sector = offset / kChunkBytes * VIXDISKLIB_MIN_CHUNK_SIZE;
    while (pos < end) {
      const uint64_t chunks =
          std::min((end - sector * VIXDISKLIB_SECTOR_SIZE + kChunkBytes - 1) / kChunkBytes,
                   VIXDISKLIB_MAX_CHUNK_NUMBER);
      const uint64_t sectors = chunks * VIXDISKLIB_MIN_CHUNK_SIZE;
      VixDiskLibBlockList* list = nullptr;
      const uint64_t mark = VddkLibrary::warning_mark();
      VixError err;
      {
        std::lock_guard lock(c.mu);
        err = fn.QueryAllocatedBlocks(c.handle, sector, sectors, VIXDISKLIB_MIN_CHUNK_SIZE, &list);
      }
      if (err != VIX_OK || list == nullptr) {
        // Reading data where the map is unknown is always correct, only slower.
        allocated_blocks_ = false;
        notices_.push_back("VixDiskLib_QueryAllocatedBlocks failed at sector " +
                           std::to_string(sector) + " (" + lib_->error_text(err, mark) +
                           "): reading the rest of the disk whole");
        visit(pos, end - pos, false);
        return;
      }
      const uint64_t window_end = std::min(end, (sector + sectors) * VIXDISKLIB_SECTOR_SIZE);
      for (uint32_t i = 0; i < list->numBlocks; ++i) {
        const uint64_t a = std::max(pos, list->blocks[i].offset * VIXDISKLIB_SECTOR_SIZE);
        const uint64_t b = std::min(
            window_end, (list->blocks[i].offset + list->blocks[i].length) * VIXDISKLIB_SECTOR_SIZE);
        if (a >= b) continue;
        if (a > pos) visit(pos, a - pos, true);
        visit(a, b - a, false);
        pos = b;
      }
      fn.FreeBlockList(list);
      if (pos < window_end) visit(pos, window_end - pos, true);
      pos = window_end;
      sector += sectors;
    }
  }

  void start_read(IoRequest& req) override {
    if (req.offset % VIXDISKLIB_SECTOR_SIZE != 0 || req.length % VIXDISKLIB_SECTOR_SIZE != 0 ||
        free_slots_.empty()) {
      throw std::logic_error("VDDK read of " + std::to_string(req.length) + " bytes at " +
                             std::to_string(req.offset) +
                             ": not whole sectors, or more reads than max_in_flight()");
    }
    Slot* s = free_slots_.back();
    free_slots_.pop_back();
    s->req = &req;
    s->attempts = 0;
    s->conn = next_conn_++ % conns_.size();
    submit(s);
  }

  unsigned max_in_flight() const override { return static_cast<unsigned>(slots_.size()); }

  void tick() override {
    uint64_t count = 0;
    while (::read(efd_, &count, sizeof(count)) > 0) {
    }
    std::vector<Slot*> done;
    {
      std::lock_guard lock(mu_);
      done.swap(done_);
    }
    for (Slot* s : done) finish(s);
    const auto now = Clock::now();
    for (size_t i = 0; i < retry_.size();) {
      if (retry_[i]->retry_at <= now) {
        Slot* s = retry_[i];
        retry_.erase(retry_.begin() + static_cast<long>(i));
        submit(s);
      } else {
        ++i;
      }
    }
    if (!retry_.empty() && !timer_.armed()) {
      auto next = retry_.front()->retry_at;
      for (Slot* s : retry_) next = std::min(next, s->retry_at);
      timer_.arm(std::max(std::chrono::milliseconds(1),
                          std::chrono::duration_cast<std::chrono::milliseconds>(next - now)));
    }
    if (!poller_.armed) {
      io_uring_sqe* sqe = loop_.prepare(&poller_);
      io_uring_prep_poll_add(sqe, efd_, POLLIN);
      poller_.armed = true;
    }
  }

  std::string describe() const override { return uri_; }
  std::string take_notice() override {
    if (notices_.empty()) return {};
    std::string n = std::move(notices_.front());
    notices_.pop_front();
    return n;
  }

 private:
  struct Poller final : EventLoop::Handler {
    bool armed = false;
    void on_completion(int, uint32_t) override { armed = false; }
  };
  struct Connection {
    VixDiskLibConnectParams* params = nullptr;
    bool params_from_library = false;
    VixDiskLibConnection connection = nullptr;
    VixDiskLibHandle handle = nullptr;
    std::mutex mu;  // the handle between its blocking reader thread and map()
  };
  // One read in flight; its address is the completion callback's data.
  struct Slot {
    VddkReader* self = nullptr;
    IoRequest* req = nullptr;
    size_t conn = 0;
    unsigned attempts = 0;
    VixError result = VIX_OK;
    uint64_t mark = 0;  // warnings logged after it belong to this read
    Clock::time_point retry_at{};
  };

  std::unique_ptr<Connection> open_connection(bool first) {
    const VddkFunctions& fn = lib_->fn();
    auto c = std::make_unique<Connection>();
    if (fn.AllocateConnectParams) {
      c->params = fn.AllocateConnectParams();
      c->params_from_library = true;
    } else {
      // Zeroed, with room to spare should the library read members newer than our declaration.
      c->params = static_cast<VixDiskLibConnectParams*>(std::calloc(1, sizeof(*c->params) + 256));
    }
    if (c->params == nullptr) throw std::bad_alloc();
    VixDiskLibConnectParams& p = *c->params;
    p.specType = VIXDISKLIB_SPEC_VMX;
    p.vmxSpec = vmx_spec_.data();
    p.serverName = host_.data();
    p.thumbPrint = v_.thumbprint.empty() ? nullptr : v_.thumbprint.data();
    p.credType = VIXDISKLIB_CRED_UID;
    p.creds.uid.userName = v_.user.data();
    p.creds.uid.password = v_.password.data();
    p.port = port_;
    if (first && fn.PrepareForAccess) {
      // Keeps vCenter from migrating the VM's storage while we read; ESXi alone refuses it.
      prepared_ = fn.PrepareForAccess(c->params, "mm-transfer") == VIX_OK;
    }
    uint64_t mark = VddkLibrary::warning_mark();
    VixError err =
        fn.ConnectEx(c->params, 1, v_.snapshot.empty() ? nullptr : v_.snapshot.c_str(),
                     v_.transports.empty() ? nullptr : v_.transports.c_str(), &c->connection);
    if (err != VIX_OK) {
      const std::string why = connect_failure(err, mark);
      free_params(*c);
      throw std::runtime_error(why);
    }
    mark = VddkLibrary::warning_mark();
    err = fn.Open(c->connection, v_.disk.c_str(), VIXDISKLIB_FLAG_OPEN_READ_ONLY, &c->handle);
    if (err != VIX_OK) {
      const std::string why = open_failure(err, mark);
      fn.Disconnect(c->connection);
      free_params(*c);
      throw std::runtime_error(why);
    }
    return c;
  }

  void read_info() {
    const VddkFunctions& fn = lib_->fn();
    VixDiskLibInfo* info = nullptr;
    const uint64_t mark = VddkLibrary::warning_mark();
    const VixError err = fn.GetInfo(conns_[0]->handle, &info);
    if (err != VIX_OK || info == nullptr) {
      throw std::runtime_error("VixDiskLib_GetInfo of " + v_.disk +
                               " failed: " + lib_->error_text(err, mark));
    }
    size_ = info->capacity * VIXDISKLIB_SECTOR_SIZE;
    fn.FreeInfo(info);
  }

  // As nbdkit's vddk plugin does: the call exists from VDDK 6.7 but does not work on every disk,
  // so one small query decides whether map() uses it.
  void probe_allocated_blocks() {
    const VddkFunctions& fn = lib_->fn();
    if (!fn.QueryAllocatedBlocks || size_ == 0) return;
    VixDiskLibBlockList* list = nullptr;
    const uint64_t mark = VddkLibrary::warning_mark();
    const VixError err = fn.QueryAllocatedBlocks(conns_[0]->handle, 0, VIXDISKLIB_MIN_CHUNK_SIZE,
                                                 VIXDISKLIB_MIN_CHUNK_SIZE, &list);
    if (err == VIX_OK && list != nullptr) {
      fn.FreeBlockList(list);
      allocated_blocks_ = true;
    } else {
      notices_.push_back("VixDiskLib_QueryAllocatedBlocks is not available for " + v_.disk + " (" +
                         lib_->error_text(err, mark) + "): the whole disk is read");
    }
  }

  void set_data_extents(const std::vector<cbt::Extent>& extents) {
    std::vector<cbt::Extent> sorted = extents;
    std::sort(sorted.begin(), sorted.end(),
              [](const cbt::Extent& a, const cbt::Extent& b) { return a.offset < b.offset; });
    data_extents_.emplace();
    for (const cbt::Extent& x : sorted) {
      if (x.end() > size_) {
        throw std::runtime_error("the extents file reaches byte " + std::to_string(x.end()) +
                                 ", past the end of " + uri_ + " (" + std::to_string(size_) +
                                 " bytes)");
      }
      if (x.length == 0) continue;
      if (!data_extents_->empty() && data_extents_->back().end() >= x.offset) {
        data_extents_->back().length =
            std::max(data_extents_->back().end(), x.end()) - data_extents_->back().offset;
      } else {
        data_extents_->push_back(x);
      }
    }
  }

  std::string where() const {
    return v_.disk + " of VM " + v_.vm +
           (v_.snapshot.empty() ? "" : " (snapshot " + v_.snapshot + ")");
  }

  std::string connect_failure(VixError err, uint64_t mark) const {
    const std::string server = host_ + ":" + std::to_string(port_);
    const std::string text = "VixDiskLib_ConnectEx: " + lib_->error_text(err, mark);
    switch (vix_error_code(err)) {
      case VIX_E_AUTHENTICATION_FAIL:
      case VIX_E_HOST_USER_PERMISSIONS:
      case VIX_E_INVALID_AUTHENTICATION_SESSION:
        return "VDDK login to " + server + " as '" + v_.user + "' failed (" + text +
               "): check the user and password (--vddk-credentials-file or MM_VDDK_USER / "
               "MM_VDDK_PASSWORD)";
      case VIX_E_HOST_NETWORK_CONN_REFUSED:
      case VIX_E_HOST_SERVER_NOT_FOUND:
      case VIX_E_CANNOT_CONNECT_TO_HOST:
      case VIX_E_HOST_TCP_SOCKET_ERROR:
      case VIX_E_HOST_TCP_CONN_LOST:
      case VIX_E_HOST_NOT_CONNECTED:
      case VIX_E_HOST_CONNECTION_LOST:
        return "VDDK cannot connect to " + server + " (" + text + "): " +
               (v_.thumbprint.empty()
                    ? "is the host reachable? No thumbprint= was given: VDDK needs the SHA-1 "
                      "thumbprint of the server's certificate"
                    : "is the host reachable, and is thumbprint=" + v_.thumbprint +
                          " still the SHA-1 of its certificate?");
      case VIX_E_VM_NOT_FOUND:
        return "VDDK did not find the VM " + v_.vm + " on " + server + " (" + text + ")";
      case VIX_E_SNAPSHOT_NOTFOUND:
        return "VDDK did not find the snapshot " + v_.snapshot + " of VM " + v_.vm + " on " +
               server + " (" + text + ")";
      default:
        return "VDDK cannot connect to " + server + " for " + where() + " (" + text + ")";
    }
  }

  std::string open_failure(VixError err, uint64_t mark) const {
    const std::string text = "VixDiskLib_Open: " + lib_->error_text(err, mark);
    switch (vix_error_code(err)) {
      case VIX_E_FILE_NOT_FOUND:
      case VIX_E_OBJECT_NOT_FOUND:
        return "the disk " + where() + " was not found on " + host_ + " (" + text + ")";
      case VIX_E_NOT_SUPPORTED:
      case VIX_E_DISK_NOTSUPPORTED:
        return "VDDK cannot open " + where() + " (" + text + ")" +
               (v_.transports.empty() ? "" : "; transports tried: " + v_.transports);
      default:
        return "VDDK cannot open " + where() + " (" + text + ")";
    }
  }

  void free_params(Connection& c) {
    if (c.params == nullptr) return;
    if (c.params_from_library) {
      // Our strings are not the library's to free.
      c.params->vmxSpec = c.params->serverName = c.params->thumbPrint = nullptr;
      c.params->creds.uid.userName = c.params->creds.uid.password = nullptr;
      lib_->fn().FreeConnectParams(c.params);
    } else {
      std::free(c.params);
    }
    c.params = nullptr;
  }

  void submit(Slot* s) {
    IoRequest& req = *s->req;
    ++s->attempts;
    s->mark = VddkLibrary::warning_mark();
    if (async_) {
      const VixError err = lib_->fn().ReadAsync(
          conns_[s->conn]->handle, req.offset / VIXDISKLIB_SECTOR_SIZE,
          req.length / VIXDISKLIB_SECTOR_SIZE, req.buf, &VddkReader::on_complete, s);
      if (err == VIX_ASYNC) return;
      if (vix_error_code(err) == VIX_E_NOT_SUPPORTED) {
        // The transport in use does not read asynchronously: blocking reads on threads.
        async_ = false;
        notices_.push_back(
            "VixDiskLib_ReadAsync is not supported here: blocking reads, one thread per "
            "connection");
        start_workers();
        --s->attempts;
        submit(s);
        return;
      }
      on_complete(s, err == VIX_OK ? VixError{VIX_E_FAIL} : err);
      return;
    }
    {
      std::lock_guard lock(mu_);
      queue_.push_back(s);
    }
    cv_.notify_one();
  }

  // On a library thread (ReadAsync) or a reader thread: only queues the slot.
  static void on_complete(void* data, VixError result) {
    Slot* s = static_cast<Slot*>(data);
    VddkReader* self = s->self;
    {
      std::lock_guard lock(self->mu_);
      s->result = result;
      self->done_.push_back(s);
    }
    const uint64_t one = 1;
    [[maybe_unused]] ssize_t n = ::write(self->efd_, &one, sizeof(one));
  }

  // On the engine's thread.
  void finish(Slot* s) {
    IoRequest& req = *s->req;
    if (s->result == VIX_OK) {
      s->req = nullptr;
      free_slots_.push_back(s);
      req.error = 0;
      req.owner->io_done(req);
      return;
    }
    const std::string what = "reading " + std::to_string(req.length) + " bytes at offset " +
                             std::to_string(req.offset) + " of " + where() + " through VDDK failed";
    const std::string text = lib_->error_text(s->result, s->mark);
    if (s->attempts >= kMaxAttempts) {
      throw std::runtime_error(what + " after " + std::to_string(s->attempts) +
                               " attempts: " + text);
    }
    notices_.push_back(what + " (" + text + "); retrying, attempt " +
                       std::to_string(s->attempts + 1) + " of " + std::to_string(kMaxAttempts));
    s->retry_at = Clock::now() + backoff(s->attempts - 1);
    retry_.push_back(s);
  }

  void start_workers() {
    for (size_t i = 0; i < conns_.size(); ++i) threads_.emplace_back([this, i] { work(i); });
  }

  // A blocking reader: one connection's handle, one read at a time.
  void work(size_t ci) {
    Connection& c = *conns_[ci];
    for (;;) {
      Slot* s = nullptr;
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
        if (stop_) return;
        s = queue_.front();
        queue_.pop_front();
      }
      const IoRequest& req = *s->req;
      VixError err;
      {
        std::lock_guard lock(c.mu);
        err = lib_->fn().Read(c.handle, req.offset / VIXDISKLIB_SECTOR_SIZE,
                              req.length / VIXDISKLIB_SECTOR_SIZE, req.buf);
      }
      on_complete(s, err);
    }
  }

  void close_all() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    for (auto& t : threads_) t.join();
    threads_.clear();
    if (!lib_) return;
    const VddkFunctions& fn = lib_->fn();
    for (auto& c : conns_) {
      // Outstanding asynchronous reads call back into this object: let them finish first.
      if (c->handle && fn.Wait) fn.Wait(c->handle);
      if (c->handle) fn.Close(c->handle);
      if (c->connection) fn.Disconnect(c->connection);
    }
    if (prepared_ && fn.EndAccess && !conns_.empty())
      fn.EndAccess(conns_[0]->params, "mm-transfer");
    for (auto& c : conns_) free_params(*c);
    conns_.clear();
    if (efd_ >= 0) ::close(efd_);
    efd_ = -1;
  }

  std::string uri_;
  Endpoint::Vddk v_;  // its strings are what the connect parameters point at
  std::string host_;
  uint16_t port_;
  std::string vmx_spec_;
  EventLoop& loop_;
  Poller poller_;
  LoopTimer timer_;
  std::shared_ptr<VddkLibrary> lib_;
  std::vector<std::unique_ptr<Connection>> conns_;
  bool prepared_ = false;
  bool async_ = false;
  bool allocated_blocks_ = false;
  std::optional<std::vector<cbt::Extent>> data_extents_;  // sorted, merged
  uint64_t size_ = 0;
  std::deque<std::string> notices_;  // for the user, oldest first
  int efd_ = -1;
  std::vector<Slot> slots_;
  std::vector<Slot*> free_slots_;
  std::vector<Slot*> retry_;
  size_t next_conn_ = 0;
  // Shared with the library's callback threads and the blocking readers.
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::deque<Slot*> queue_;
  std::vector<Slot*> done_;
  std::vector<std::thread> threads_;
};

}  // namespace

std::unique_ptr<SourceReader> make_vddk_reader(const Endpoint& e, EventLoop& loop,
                                               const ReaderOptions& options) {
  try {
    return std::make_unique<VddkReader>(e, loop, options);
  } catch (const VddkLoadError& err) {
    throw std::runtime_error(e.uri + ": " + err.what());
  }
}

}  // namespace mm::transfer
