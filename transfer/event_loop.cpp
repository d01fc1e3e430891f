#include "transfer/event_loop.h"

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <system_error>

namespace mm::transfer {

EventLoop::EventLoop(unsigned queue_depth) {
  // COOP_TASKRUN avoids interrupting the only thread for task work; older kernels refuse it.
  io_uring_params params{};
  params.flags = IORING_SETUP_COOP_TASKRUN;
  int rc = io_uring_queue_init_params(queue_depth, &ring_, &params);
  if (rc == -EINVAL) {
    params = {};
    rc = io_uring_queue_init_params(queue_depth, &ring_, &params);
  }
  if (rc < 0) {
    throw std::system_error(-rc, std::generic_category(),
                            "cannot set up io_uring (is it disabled by the kernel or seccomp?)");
  }
}

EventLoop::~EventLoop() { io_uring_queue_exit(&ring_); }

io_uring_sqe* EventLoop::prepare(Handler* handler) {
  io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
  while (sqe == nullptr) {
    int rc = io_uring_submit(&ring_);
    if (rc < 0 && rc != -EAGAIN && rc != -EINTR) {
      throw std::system_error(-rc, std::generic_category(), "io_uring_submit");
    }
    sqe = io_uring_get_sqe(&ring_);
  }
  io_uring_sqe_set_data(sqe, handler);
  ++in_flight_;
  return sqe;
}

bool EventLoop::register_buffers(const std::vector<iovec>& buffers) {
  return io_uring_register_buffers(&ring_, buffers.data(), static_cast<unsigned>(buffers.size())) == 0;
}

int EventLoop::register_file(int fd) {
  // Fixed files save an fd lookup per request; the table is re-registered as files are added
  // (at start-up only).
  if (files_registered_) {
    io_uring_unregister_files(&ring_);
    files_registered_ = false;
  }
  files_.push_back(fd);
  if (io_uring_register_files(&ring_, files_.data(), static_cast<unsigned>(files_.size())) != 0) {
    files_.pop_back();
    return -1;
  }
  files_registered_ = true;
  return static_cast<int>(files_.size() - 1);
}

unsigned EventLoop::run_once(std::chrono::milliseconds timeout) {
  io_uring_cqe* cqe = nullptr;
  __kernel_timespec ts{};
  ts.tv_sec = timeout.count() / 1000;
  ts.tv_nsec = (timeout.count() % 1000) * 1000000;
  int rc = io_uring_submit_and_wait_timeout(&ring_, &cqe, 1, &ts, nullptr);
  if (rc < 0 && rc != -ETIME && rc != -EINTR && rc != -EAGAIN && rc != -EBUSY) {
    throw std::system_error(-rc, std::generic_category(), "io_uring wait");
  }
  unsigned count = 0;
  unsigned head;
  io_uring_for_each_cqe(&ring_, head, cqe) {
    auto* handler = static_cast<Handler*>(io_uring_cqe_get_data(cqe));
    const int res = cqe->res;
    const uint32_t flags = cqe->flags;
    ++count;
    --in_flight_;
    if (handler != nullptr) handler->on_completion(res, flags);
  }
  io_uring_cq_advance(&ring_, count);
  return count;
}

void LoopTimer::arm(std::chrono::milliseconds delay) {
  ts_.tv_sec = delay.count() / 1000;
  ts_.tv_nsec = (delay.count() % 1000) * 1000000;
  io_uring_sqe* sqe = loop_.prepare(this);
  io_uring_prep_timeout(sqe, &ts_, 0, 0);
  armed_ = true;
  fired_ = false;
}

void LoopTimer::on_completion(int, uint32_t) {
  armed_ = false;
  fired_ = true;
}

}  // namespace mm::transfer
