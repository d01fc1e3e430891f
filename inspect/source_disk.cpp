#include "inspect/source_disk.h"

#include <algorithm>
#include <chrono>
#include <cstring>

#include "transfer/endpoint_io.h"
#include "transfer/event_loop.h"

namespace mm::inspect {

namespace mt = mm::transfer;

namespace {
constexpr uint64_t kMaxRequest = 1 << 20;  // well under any NBD server's request limit
}

struct SourceDisk::Waiter final : mt::IoOwner {
  bool done = false;
  void io_done(mt::IoRequest&) override { done = true; }
};

SourceDisk::SourceDisk(const mt::Endpoint& endpoint)
    : loop_(std::make_unique<mt::EventLoop>(64)),
      reader_(mt::open_source(endpoint, *loop_, {1, 1})) {}

SourceDisk::~SourceDisk() {
  reader_.reset();  // before the loop it submits to
  loop_.reset();
}

uint64_t SourceDisk::size() const {
  return reader_->size();
}

void SourceDisk::read(uint64_t offset, std::span<uint8_t> out) {
  if (offset > size() || out.size() > size() - offset) {
    throw DiskReadError("read past the end of the disk at offset " + std::to_string(offset));
  }
  size_t done = 0;
  while (done < out.size()) {
    Waiter waiter;
    mt::IoRequest req;
    req.offset = offset + done;
    req.length = std::min<uint64_t>(kMaxRequest, out.size() - done);
    req.buf = out.data() + done;
    req.owner = &waiter;
    try {
      reader_->start_read(req);
      while (!waiter.done) {
        reader_->tick();
        loop_->run_once(std::chrono::milliseconds(100));
        reader_->tick();
      }
    } catch (const std::exception& e) {
      throw DiskReadError(reader_->describe() + ": " + e.what());
    }
    if (req.error != 0) {
      throw DiskReadError(reader_->describe() + ": reading " + std::to_string(req.length) +
                          " bytes at offset " + std::to_string(req.offset) +
                          " failed: " + std::strerror(req.error));
    }
    done += req.length;
  }
}

}  // namespace mm::inspect
