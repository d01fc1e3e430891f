#include "transfer/buffer_pool.h"

#include <sys/mman.h>

#include <cassert>
#include <cerrno>
#include <cstring>
#include <system_error>

#include "transfer/event_loop.h"

namespace mm::transfer {

BufferPool::BufferPool(size_t count, size_t buffer_size) : count_(count), buffer_size_(buffer_size) {
  assert(count > 0 && buffer_size > 0 && buffer_size % 4096 == 0);
  mapped_ = count * buffer_size;
  void* p = mmap(nullptr, mapped_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE,
                 -1, 0);
  if (p == MAP_FAILED) {
    throw std::system_error(errno, std::generic_category(),
                            "cannot allocate " + std::to_string(mapped_) + " bytes of I/O buffers");
  }
  base_ = static_cast<unsigned char*>(p);
  std::memset(base_, 0, mapped_);  // MAP_POPULATE may be ignored; touch every page now, not mid-copy
  free_.reserve(count);
  for (size_t i = count; i-- > 0;) free_.push_back(static_cast<int>(i));
}

BufferPool::~BufferPool() {
  if (base_ != nullptr) munmap(base_, mapped_);
}

void BufferPool::register_with(EventLoop& loop) {
  std::vector<iovec> iov(count_);
  for (size_t i = 0; i < count_; ++i) iov[i] = {data(i), buffer_size_};
  registered_ = loop.register_buffers(iov);
}

int BufferPool::acquire() {
  if (free_.empty()) return -1;
  int index = free_.back();
  free_.pop_back();
  return index;
}

void BufferPool::release(int index) {
  assert(index >= 0 && static_cast<size_t>(index) < count_);
  assert(free_.size() < count_);
  free_.push_back(index);
}

}  // namespace mm::transfer
