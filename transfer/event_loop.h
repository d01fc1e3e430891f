#pragma once
// One io_uring that drives everything of a copy: file reads and writes, fallocate, fsync, the polls of
// the libnbd sockets, and timers. Single-threaded; a completion is routed to the Handler whose address
// is the submission's user_data, and the handler must outlive its submissions.
#include <liburing.h>

#include <chrono>
#include <cstdint>
#include <vector>

namespace mm::transfer {

class EventLoop {
 public:
  struct Handler {
    virtual void on_completion(int result, uint32_t flags) = 0;

   protected:
    ~Handler() = default;
  };

  explicit EventLoop(unsigned queue_depth);
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  // A free submission entry tagged for `handler`; submits queued entries first if the ring is full.
  io_uring_sqe* prepare(Handler* handler);
  // Registers fixed buffers / files; returns false where the kernel refuses (callers fall back).
  bool register_buffers(const std::vector<iovec>& buffers);
  int register_file(int fd);  // index into the fixed-file table, or -1 when fixed files are unavailable

  // Submits what is queued, waits for at least one completion or until `timeout`, then dispatches
  // every available completion. Returns the number dispatched.
  unsigned run_once(std::chrono::milliseconds timeout);

  unsigned in_flight() const { return in_flight_; }
  io_uring* ring() { return &ring_; }

 private:
  io_uring ring_{};
  unsigned in_flight_ = 0;
  std::vector<int> files_;
  bool files_registered_ = false;
};

// A one-shot timer on the loop (backoff for retries and reconnects).
class LoopTimer final : public EventLoop::Handler {
 public:
  explicit LoopTimer(EventLoop& loop) : loop_(loop) {}
  void arm(std::chrono::milliseconds delay);
  bool armed() const { return armed_; }
  bool fired() {  // true once after the timer expired
    bool f = fired_;
    fired_ = false;
    return f;
  }
  void on_completion(int result, uint32_t flags) override;

 private:
  EventLoop& loop_;
  __kernel_timespec ts_{};
  bool armed_ = false;
  bool fired_ = false;
};

}  // namespace mm::transfer
