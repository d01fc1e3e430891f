// Reads a regular file or a block device through io_uring; holes come from SEEK_DATA/SEEK_HOLE.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "transfer/backends.h"
#include "transfer/event_loop.h"
#include "transfer/file_util.h"

namespace mm::transfer {
namespace {

class FileReader final : public SourceReader {
 public:
  FileReader(const Endpoint& e, EventLoop& loop, const ReaderOptions& options)
      : path_(e.path), loop_(loop) {
    fd_ = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) throw_errno(errno, "cannot open " + path_);
    size_ = file_or_device_size(fd_, path_);
    fixed_index_ = loop_.register_file(fd_);
    max_in_flight_ = std::max(1u, options.connections) * options.requests_per_connection;
    ops_.resize(max_in_flight_);
    for (auto& op : ops_) {
      op.reader = this;
      free_.push_back(&op);
    }
  }
  ~FileReader() override { ::close(fd_); }

  uint64_t size() const override { return size_; }

  void map(uint64_t offset, uint64_t length, const ExtentVisitor& visit) override {
    const uint64_t end = offset + length;
    uint64_t pos = offset;
    if (is_block_device(fd_)) {
      visit(offset, length, false);
      return;
    }
    while (pos < end) {
      off_t data = lseek(fd_, static_cast<off_t>(pos), SEEK_DATA);
      if (data < 0) {
        if (errno == ENXIO) {  // nothing but a hole up to the end of the file
          visit(pos, end - pos, true);
          return;
        }
        visit(pos, end - pos, false);  // the filesystem cannot tell: read everything
        return;
      }
      uint64_t data_start = std::min<uint64_t>(static_cast<uint64_t>(data), end);
      if (data_start > pos) visit(pos, data_start - pos, true);
      if (data_start >= end) return;
      off_t hole = lseek(fd_, data, SEEK_HOLE);
      uint64_t data_end = hole < 0 ? end : std::min<uint64_t>(static_cast<uint64_t>(hole), end);
      visit(data_start, data_end - data_start, false);
      pos = data_end;
    }
  }

  void start_read(IoRequest& req) override {
    ReadOp* op = free_.back();
    free_.pop_back();
    op->req = &req;
    req.progress = 0;
    submit(*op);
  }

  unsigned max_in_flight() const override { return max_in_flight_; }
  std::string describe() const override { return path_; }

 private:
  struct ReadOp final : EventLoop::Handler {
    FileReader* reader = nullptr;
    IoRequest* req = nullptr;
    void on_completion(int result, uint32_t) override { reader->completed(*this, result); }
  };

  void submit(ReadOp& op) {
    IoRequest& r = *op.req;
    io_uring_sqe* sqe = loop_.prepare(&op);
    const int fd = fixed_index_ >= 0 ? fixed_index_ : fd_;
    unsigned char* buf = r.buf + r.progress;
    const unsigned len = static_cast<unsigned>(r.length - r.progress);
    if (r.buf_index >= 0) {
      io_uring_prep_read_fixed(sqe, fd, buf, len, r.offset + r.progress, r.buf_index);
    } else {
      io_uring_prep_read(sqe, fd, buf, len, r.offset + r.progress);
    }
    if (fixed_index_ >= 0) sqe->flags |= IOSQE_FIXED_FILE;
  }

  void completed(ReadOp& op, int result) {
    IoRequest& r = *op.req;
    if (result == -EINTR || result == -EAGAIN) {
      submit(op);
      return;
    }
    if (result > 0 && r.progress + static_cast<uint64_t>(result) < r.length) {
      r.progress += static_cast<uint64_t>(result);  // short read: ask for the rest
      submit(op);
      return;
    }
    r.error = result < 0 ? -result : (result == 0 ? EIO : 0);  // 0 bytes: the file shrank
    free_.push_back(&op);
    r.owner->io_done(r);
  }

  std::string path_;
  EventLoop& loop_;
  int fd_ = -1;
  int fixed_index_ = -1;
  uint64_t size_ = 0;
  unsigned max_in_flight_ = 0;
  std::vector<ReadOp> ops_;
  std::vector<ReadOp*> free_;
};

}  // namespace

std::unique_ptr<SourceReader> make_file_reader(const Endpoint& e, EventLoop& loop,
                                               const ReaderOptions& options) {
  return std::make_unique<FileReader>(e, loop, options);
}

}  // namespace mm::transfer
