// Writes an NBD export (qemu-nbd, nbdkit) as a copy target: pwrite, write-zeroes and flush.
#include <stdexcept>
#include <utility>

#include "transfer/backends.h"
#include "transfer/nbd_connections.h"

namespace mm::transfer {
namespace {

class NbdWriter final : public TargetWriter {
 public:
  NbdWriter(const Endpoint& e, EventLoop& loop, uint64_t size, const WriterOptions& options)
      : uri_(e.nbd_uri),
        conns_(loop, e.nbd_uri, options.connections, "target"),
        per_connection_(options.requests_per_connection),
        target_is_zero_(options.target_is_zero) {
    const NbdExportInfo& info = conns_.info();
    notice_ = conns_.notice();
    if (info.read_only) throw std::runtime_error("the target " + uri_ + " is read-only");
    if (info.size < size) {
      throw std::runtime_error("the target " + uri_ + " holds " + std::to_string(info.size) +
                               " bytes, less than the source's " + std::to_string(size));
    }
    if (!info.can_zero && !target_is_zero_) {
      throw std::runtime_error("the target " + uri_ +
                               " cannot write zeroes; give --target-is-zero if it is known empty");
    }
  }

  uint64_t size() const override { return conns_.info().size; }
  bool reads_as_zero() const override { return target_is_zero_; }
  void start_write(IoRequest& req) override { conns_.submit(NbdConnections::Command::kWrite, req); }
  void start_zero(IoRequest& req) override { conns_.submit(NbdConnections::Command::kZero, req); }
  void start_flush(IoRequest& req) override {
    if (!conns_.info().can_flush) {  // nothing is cached where the server cannot flush
      req.error = 0;
      req.owner->io_done(req);
      return;
    }
    conns_.submit(NbdConnections::Command::kFlush, req);
  }
  unsigned max_in_flight() const override { return conns_.count() * per_connection_; }
  void tick() override { conns_.tick(); }
  uint64_t reconnects() const override { return conns_.reconnects(); }
  std::string describe() const override { return uri_; }
  std::string take_notice() override { return std::exchange(notice_, std::string()); }

 private:
  std::string uri_;
  NbdConnections conns_;
  unsigned per_connection_;
  bool target_is_zero_;
  std::string notice_;
};

}  // namespace

std::unique_ptr<TargetWriter> make_nbd_writer(const Endpoint& e, EventLoop& loop, uint64_t size,
                                              const WriterOptions& options) {
  return std::make_unique<NbdWriter>(e, loop, size, options);
}

}  // namespace mm::transfer
