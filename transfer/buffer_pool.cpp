#include "transfer/buffer_pool.h"

#include <sys/mman.h>

#include <cassert>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <system_error>

#include "transfer/event_loop.h"

namespace mm::transfer {

namespace {

constexpr size_t kHugePage = 2u << 20;

}  // namespace

BufferPool::BufferPool(size_t count, size_t buffer_size)
    : count_(count), buffer_size_(buffer_size) {
  assert(count > 0 && buffer_size > 0 && buffer_size % 4096 == 0);
  const size_t bytes = count * buffer_size;
  // Pools of a huge page or more are placed on a huge-page boundary and backed by transparent huge
  // pages where the kernel allows it: faulting 16 MiB in as 8 pages instead of 4096 takes ~2 ms
  // instead of ~20 (more under load), and the ring pins fewer pages.
  const bool huge = bytes >= kHugePage;
  mapped_ = huge ? bytes + kHugePage : bytes;
  void* p = mmap(nullptr, mapped_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) {
    throw std::system_error(errno, std::generic_category(),
                            "cannot allocate " + std::to_string(bytes) + " bytes of I/O buffers");
  }
  map_base_ = static_cast<unsigned char*>(p);
  base_ = map_base_;
  if (huge) {
    const auto addr = reinterpret_cast<uintptr_t>(map_base_);
    base_ = map_base_ + ((kHugePage - addr % kHugePage) % kHugePage);
    madvise(base_, bytes,
            MADV_HUGEPAGE);  // a hint: without THP the pool is simply made of 4 KiB pages
  }
  // Fault every page in now, not mid-copy (first touch of fresh memory is slower than the copy).
  if (madvise(base_, bytes, MADV_POPULATE_WRITE) != 0) std::memset(base_, 0, bytes);
  free_.reserve(count);
  for (size_t i = count; i-- > 0;) free_.push_back(static_cast<int>(i));
}

BufferPool::~BufferPool() {
  if (map_base_ != nullptr) munmap(map_base_, mapped_);
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
