#pragma once
// The two roles an endpoint plays in a transfer, one vtable each (as libnbd's copy/ does): a reader
// of the source disk and a writer of the target. Every backend (NBD, file or block device, null)
// implements the role it can play; the copier sees only these interfaces.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "transfer/io_request.h"
#include "transfer/stream/stream_options.h"
#include "transfer/uri.h"

namespace mm::transfer {

class EventLoop;
class BufferPool;

// Visits [offset, offset + length) in order; `zero` is true where the disk reads as zeroes.
using ExtentVisitor = std::function<void(uint64_t offset, uint64_t length, bool zero)>;

class SourceReader {
 public:
  virtual ~SourceReader() = default;
  virtual uint64_t size() const = 0;
  // Where the disk holds data and where it is known to read as zeroes, without reading data.
  virtual void map(uint64_t offset, uint64_t length, const ExtentVisitor& visit) = 0;
  // Starts reading req.length bytes at req.offset into req.buf.
  virtual void start_read(IoRequest& req) = 0;
  // How many reads may be in flight at once.
  virtual unsigned max_in_flight() const = 0;
  // Called once per loop turn: arm socket polls, drive reconnects. Throws when the source is lost.
  virtual void tick() {}
  virtual std::string describe() const = 0;
  // A one-line notice for the user (e.g. "the source accepted 1 of 4 connections"), or empty.
  virtual std::string take_notice() { return {}; }
  virtual uint64_t reconnects() const { return 0; }
};

class TargetWriter {
 public:
  virtual ~TargetWriter() = default;
  virtual uint64_t size() const = 0;
  // True when every byte of the target reads as zero (a new file, --target-is-zero, null:).
  virtual bool reads_as_zero() const = 0;
  virtual void start_write(IoRequest& req) = 0;
  // Makes [offset, offset + length) read as zeroes (punching holes where the target can).
  virtual void start_zero(IoRequest& req) = 0;
  // Makes every completed write durable.
  virtual void start_flush(IoRequest& req) = 0;
  virtual unsigned max_in_flight() const = 0;
  virtual void tick() {}
  virtual std::string describe() const = 0;
  // A one-line notice for the user (e.g. "O_DIRECT refused: using buffered I/O"), or empty.
  virtual std::string take_notice() { return {}; }
  virtual uint64_t reconnects() const { return 0; }
  // Called once after the final flush succeeded: the whole transfer is durable on the target.
  // Throws when the target cannot confirm it.
  virtual void finish() {}
};

struct ReaderOptions {
  unsigned connections = 4;
  unsigned requests_per_connection = 16;
};

struct WriterOptions {
  unsigned connections = 4;
  unsigned requests_per_connection = 16;
  bool target_is_zero = false;  // --target-is-zero
  bool allow_create = true;     // create a missing file target
  StreamOptions stream;         // mmt:// targets
};

std::unique_ptr<SourceReader> open_source(const Endpoint& e, EventLoop& loop,
                                          const ReaderOptions& options);
std::unique_ptr<TargetWriter> open_target(const Endpoint& e, EventLoop& loop, uint64_t size,
                                          const WriterOptions& options);

}  // namespace mm::transfer
