// null: discards everything, to measure the source side alone.
#include "transfer/backends.h"

namespace mm::transfer {
namespace {

class NullWriter final : public TargetWriter {
 public:
  explicit NullWriter(uint64_t size) : size_(size) {}
  uint64_t size() const override { return size_; }
  bool reads_as_zero() const override { return true; }
  void start_write(IoRequest& req) override { done(req); }
  void start_zero(IoRequest& req) override { done(req); }
  void start_flush(IoRequest& req) override { done(req); }
  unsigned max_in_flight() const override { return 1u << 20; }
  std::string describe() const override { return "null:"; }

 private:
  static void done(IoRequest& req) {
    req.error = 0;
    req.owner->io_done(req);
  }
  uint64_t size_;
};

}  // namespace

std::unique_ptr<TargetWriter> make_null_writer(uint64_t size) {
  return std::make_unique<NullWriter>(size);
}

}  // namespace mm::transfer
