// Reads an NBD export: data through NbdConnections (asynchronous, several connections), the
// allocation map through one more synchronous handle so that mapping never waits behind data. A
// server that takes one client (qemu-nbd's default) is mapped through the data connection instead.
#include <libnbd.h>

#include <stdexcept>
#include <thread>
#include <utility>

#include "cbt/nbd_block_status.h"
#include "transfer/backends.h"
#include "transfer/nbd_connections.h"

namespace mm::transfer {
namespace {

class NbdReader final : public SourceReader {
 public:
  NbdReader(const Endpoint& e, EventLoop& loop, const ReaderOptions& options)
      : uri_(e.nbd_uri),
        conns_(loop, e.nbd_uri, options.connections, "source"),
        per_connection_(options.requests_per_connection) {
    if (conns_.info().base_allocation && conns_.info().multi_conn &&
        conns_.notice().empty()) {
      try {
        mapper_ = nbd_open(uri_, true, "source", kExtraConnectionTimeoutMs);
      } catch (const std::exception&) {
        mapper_ = nullptr;  // map through the data connection
      }
    }
    map_on_data_connection_ = mapper_ == nullptr;
    notice_ = conns_.notice();
  }

  ~NbdReader() override {
    if (mapper_ != nullptr) nbd_close(mapper_);
  }

  uint64_t size() const override { return conns_.info().size; }

  void map(uint64_t offset, uint64_t length, const ExtentVisitor& visit) override {
    if (!conns_.info().base_allocation) {  // the server cannot tell: everything is data
      visit(offset, length, false);
      return;
    }
    for (int attempt = 0;; ++attempt) {
      try {
        nbd_handle* h = mapper_;
        if (map_on_data_connection_) {
          h = conns_.live_handle();
          if (h == nullptr) throw std::runtime_error("every connection to the source is down");
        } else if (h == nullptr) {
          h = mapper_ = nbd_open(uri_, true, "source");
        }
        cbt::walk_block_status(h, LIBNBD_CONTEXT_BASE_ALLOCATION, offset, length,
                               [&](const cbt::StatusExtent& x) {
                                 visit(x.offset, x.length, (x.flags & LIBNBD_STATE_ZERO) != 0);
                               });
        return;
      } catch (const std::exception& e) {
        // A dropped mapping connection is re-opened like the data connections are.
        if (mapper_ != nullptr) nbd_close(mapper_);
        mapper_ = nullptr;
        if (attempt >= 8) throw;
        std::this_thread::sleep_for(std::chrono::milliseconds(100 << std::min(attempt, 5)));
        if (map_on_data_connection_) conns_.tick();  // drives the data connection's reconnect
      }
    }
  }

  void start_read(IoRequest& req) override { conns_.submit(NbdConnections::Command::kRead, req); }
  unsigned max_in_flight() const override { return conns_.count() * per_connection_; }
  void tick() override { conns_.tick(); }
  uint64_t reconnects() const override { return conns_.reconnects(); }
  std::string take_notice() override { return std::exchange(notice_, std::string()); }
  std::string describe() const override {
    return uri_ + " (" + std::to_string(conns_.count()) + " connection" +
           (conns_.count() > 1 ? "s" : "") + ")";
  }

 private:
  std::string uri_;
  NbdConnections conns_;
  unsigned per_connection_;
  nbd_handle* mapper_ = nullptr;
  bool map_on_data_connection_ = false;
  std::string notice_;
};

}  // namespace

std::unique_ptr<SourceReader> make_nbd_reader(const Endpoint& e, EventLoop& loop,
                                              const ReaderOptions& options) {
  return std::make_unique<NbdReader>(e, loop, options);
}

}  // namespace mm::transfer
