#pragma once
// All I/O buffers of a copy, allocated once at start-up: one anonymous mapping (on transparent huge
// pages when it spans one), pre-faulted (first touch of fresh memory costs more than the copy
// itself), page-aligned for O_DIRECT, and registered with the ring as fixed buffers when the kernel
// allows it. The caller sizes it: a top-up asks only for what its change set can use (copier.cpp).
#include <sys/uio.h>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace mm::transfer {

class EventLoop;

class BufferPool {
 public:
  BufferPool(size_t count, size_t buffer_size);
  ~BufferPool();
  BufferPool(const BufferPool&) = delete;
  BufferPool& operator=(const BufferPool&) = delete;

  size_t count() const { return count_; }
  size_t buffer_size() const { return buffer_size_; }
  unsigned char* data(size_t index) const { return base_ + index * buffer_size_; }

  // Registers every buffer with the ring; buffer i becomes fixed buffer i.
  void register_with(EventLoop& loop);
  bool registered() const { return registered_; }

  // A free buffer index, or -1 when all are in use.
  int acquire();
  void release(int index);
  size_t free_count() const { return free_.size(); }

 private:
  size_t count_;
  size_t buffer_size_;
  unsigned char* map_base_ = nullptr;  // the mapping, as returned by mmap
  unsigned char* base_ = nullptr;      // the first buffer (huge-page aligned in large pools)
  size_t mapped_ = 0;
  std::vector<int> free_;
  bool registered_ = false;
};

}  // namespace mm::transfer
