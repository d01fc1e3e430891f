// Writes a regular file or a block device through io_uring: O_DIRECT where the request is aligned
// (falling back to the page cache once, with a notice, where the filesystem refuses it), fallocate for
// zero ranges, fdatasync for durability. A missing file is created at the source's size, sparse, and
// then known to read as zeroes, so zero ranges cost nothing.
#include <fcntl.h>
#include <linux/falloc.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <utility>
#include <vector>

#include "transfer/backends.h"
#include "transfer/event_loop.h"
#include "transfer/file_util.h"

namespace mm::transfer {
namespace {

constexpr uint64_t kDirectAlign = 4096;
constexpr uint64_t kZeroChunk = 1 << 20;

class FileWriter final : public TargetWriter {
 public:
  FileWriter(const Endpoint& e, EventLoop& loop, uint64_t size, const WriterOptions& options)
      : path_(e.path), loop_(loop), size_(size) {
    fd_ = ::open(path_.c_str(), O_RDWR | O_CLOEXEC);
    if (fd_ < 0 && errno == ENOENT && options.allow_create) {
      fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
      created_ = fd_ >= 0;
    }
    if (fd_ < 0) throw_errno(errno, "cannot open the target " + path_);
    block_device_ = is_block_device(fd_);
    const uint64_t existing = file_or_device_size(fd_, path_);
    if (block_device_) {
      if (existing < size) {
        throw std::runtime_error("the target device " + path_ + " holds " +
                                 std::to_string(existing) + " bytes, less than the source's " +
                                 std::to_string(size));
      }
    } else {
      if (existing == 0) created_ = true;  // an empty file reads as zeroes once extended
      if (existing != size && ftruncate(fd_, static_cast<off_t>(size)) != 0) {
        throw_errno(errno, "cannot size the target " + path_);
      }
    }
    reads_as_zero_ = created_ || options.target_is_zero;
    direct_fd_ = ::open(path_.c_str(), O_RDWR | O_DIRECT | O_CLOEXEC);
    if (direct_fd_ < 0) {
      notice_ = "O_DIRECT refused for " + path_ + " (" + std::strerror(errno) +
                "): writing through the page cache";
    }
    fixed_ = loop_.register_file(fd_);
    if (direct_fd_ >= 0) fixed_direct_ = loop_.register_file(direct_fd_);
    max_in_flight_ = std::max(1u, options.connections) * options.requests_per_connection;
    ops_.resize(2 * max_in_flight_ + 1);  // writes, zero ranges and one flush
    for (auto& op : ops_) {
      op.writer = this;
      free_.push_back(&op);
    }
  }

  ~FileWriter() override {
    if (direct_fd_ >= 0) ::close(direct_fd_);
    ::close(fd_);
  }

  uint64_t size() const override { return size_; }
  bool reads_as_zero() const override { return reads_as_zero_; }
  unsigned max_in_flight() const override { return max_in_flight_; }
  std::string describe() const override { return path_; }
  std::string take_notice() override { return std::exchange(notice_, {}); }

  void start_write(IoRequest& req) override { begin(req, Kind::kWrite); }
  void start_zero(IoRequest& req) override {
    if (reads_as_zero_) {
      finish_now(req, 0);
      return;
    }
    begin(req, zero_mode_ == ZeroMode::kWrite ? Kind::kZeroWrite : Kind::kZeroFallocate);
  }
  void start_flush(IoRequest& req) override { begin(req, Kind::kFlush); }

 private:
  enum class Kind { kWrite, kZeroFallocate, kZeroWrite, kFlush };
  enum class ZeroMode { kPunch, kZeroRange, kWrite };

  struct Op final : EventLoop::Handler {
    FileWriter* writer = nullptr;
    IoRequest* req = nullptr;
    Kind kind = Kind::kWrite;
    bool direct = false;
    void on_completion(int result, uint32_t) override { writer->completed(*this, result); }
  };

  static void finish_now(IoRequest& req, int error) {
    req.error = error;
    req.owner->io_done(req);
  }

  void begin(IoRequest& req, Kind kind) {
    Op* op = free_.back();
    free_.pop_back();
    op->req = &req;
    op->kind = kind;
    req.progress = 0;
    submit(*op);
  }

  int fd_for(bool direct, bool* fixed) const {
    const int index = direct ? fixed_direct_ : fixed_;
    *fixed = index >= 0;
    return index >= 0 ? index : (direct ? direct_fd_ : fd_);
  }

  void submit(Op& op) {
    IoRequest& r = *op.req;
    const uint64_t offset = r.offset + r.progress;
    const uint64_t remaining = r.length - r.progress;
    bool fixed = false;
    io_uring_sqe* sqe = loop_.prepare(&op);
    switch (op.kind) {
      case Kind::kWrite: {
        unsigned char* buf = r.buf + r.progress;
        op.direct = direct_fd_ >= 0 && offset % kDirectAlign == 0 && remaining % kDirectAlign == 0 &&
                    reinterpret_cast<uintptr_t>(buf) % kDirectAlign == 0;
        const int fd = fd_for(op.direct, &fixed);
        if (r.buf_index >= 0) {
          io_uring_prep_write_fixed(sqe, fd, buf, static_cast<unsigned>(remaining), offset,
                                    r.buf_index);
        } else {
          io_uring_prep_write(sqe, fd, buf, static_cast<unsigned>(remaining), offset);
        }
        break;
      }
      case Kind::kZeroWrite: {
        op.direct = false;
        const int fd = fd_for(false, &fixed);
        io_uring_prep_write(sqe, fd, zeros_.data(),
                            static_cast<unsigned>(std::min(remaining, kZeroChunk)), offset);
        break;
      }
      case Kind::kZeroFallocate: {
        const int fd = fd_for(false, &fixed);
        const int mode = zero_mode_ == ZeroMode::kPunch ? FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE
                                                        : FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE;
        io_uring_prep_fallocate(sqe, fd, mode, offset, remaining);
        break;
      }
      case Kind::kFlush: {
        const int fd = fd_for(false, &fixed);
        io_uring_prep_fsync(sqe, fd, IORING_FSYNC_DATASYNC);
        break;
      }
    }
    if (fixed) sqe->flags |= IOSQE_FIXED_FILE;
  }

  void completed(Op& op, int result) {
    IoRequest& r = *op.req;
    if (result == -EINTR || result == -EAGAIN) return submit(op);
    if (op.kind == Kind::kWrite && result == -EINVAL && op.direct) {
      // The filesystem took O_DIRECT at open but refuses it on I/O: say so once, then buffer.
      ::close(direct_fd_);
      direct_fd_ = -1;
      fixed_direct_ = -1;
      notice_ = "O_DIRECT writes refused by " + path_ + ": writing through the page cache";
      return submit(op);
    }
    if (op.kind == Kind::kZeroFallocate && (result == -EOPNOTSUPP || result == -EINVAL)) {
      // Punch holes, else zero ranges, else write zeroes: the first the target supports.
      zero_mode_ = zero_mode_ == ZeroMode::kPunch && !block_device_ ? ZeroMode::kZeroRange
                                                                     : ZeroMode::kWrite;
      if (zero_mode_ == ZeroMode::kWrite) op.kind = Kind::kZeroWrite;
      return submit(op);
    }
    if (result < 0) return release(op, -result);
    switch (op.kind) {
      case Kind::kWrite:
      case Kind::kZeroWrite:
        if (result == 0) return release(op, EIO);
        r.progress += static_cast<uint64_t>(result);
        if (r.progress < r.length) return submit(op);  // short write: the rest
        break;
      case Kind::kZeroFallocate:
      case Kind::kFlush:
        break;
    }
    release(op, 0);
  }

  void release(Op& op, int error) {
    IoRequest& r = *op.req;
    free_.push_back(&op);
    finish_now(r, error);
  }

  std::string path_;
  EventLoop& loop_;
  uint64_t size_;
  int fd_ = -1;
  int direct_fd_ = -1;
  int fixed_ = -1;
  int fixed_direct_ = -1;
  bool created_ = false;
  bool block_device_ = false;
  bool reads_as_zero_ = false;
  ZeroMode zero_mode_ = ZeroMode::kPunch;
  std::string notice_;
  unsigned max_in_flight_ = 0;
  std::vector<Op> ops_;
  std::vector<Op*> free_;
  static inline const std::array<unsigned char, kZeroChunk> zeros_{};
};

}  // namespace

std::unique_ptr<TargetWriter> make_file_writer(const Endpoint& e, EventLoop& loop, uint64_t size,
                                               const WriterOptions& options) {
  return std::make_unique<FileWriter>(e, loop, size, options);
}

}  // namespace mm::transfer
