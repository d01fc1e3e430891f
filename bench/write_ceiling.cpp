// The write ceiling of a disk: sequential O_DIRECT writes of a file through io_uring, 1 MiB requests,
// 32 in flight, from one pre-faulted buffer, then fdatasync. Prints the seconds taken, so that
// bench/compare-copy can say how close a copy comes to what the target disk can take at all.
//   bench_write_ceiling FILE BYTES
#include <fcntl.h>
#include <liburing.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sys/mman.h>

int main(int argc, char** argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: bench_write_ceiling FILE BYTES\n");
    return 2;
  }
  constexpr unsigned kDepth = 32;
  constexpr size_t kRequest = 1 << 20;
  const unsigned long long total = strtoull(argv[2], nullptr, 10) / kRequest * kRequest;
  const int fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC | O_DIRECT, 0644);
  if (fd < 0) {
    perror(argv[1]);
    return 1;
  }
  void* buf = mmap(nullptr, kRequest, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
  memset(buf, 0x5a, kRequest);  // not zero: some devices short-cut zero pages
  io_uring ring;
  if (io_uring_queue_init(kDepth, &ring, 0) < 0) return 1;
  const auto start = std::chrono::steady_clock::now();
  unsigned long long submitted = 0, completed = 0;
  unsigned in_flight = 0;
  while (completed < total) {
    while (in_flight < kDepth && submitted < total) {
      io_uring_sqe* sqe = io_uring_get_sqe(&ring);
      io_uring_prep_write(sqe, fd, buf, kRequest, submitted);
      submitted += kRequest;
      ++in_flight;
    }
    io_uring_submit(&ring);
    io_uring_cqe* cqe;
    if (io_uring_wait_cqe(&ring, &cqe) < 0) return 1;
    if (cqe->res != static_cast<int>(kRequest)) {
      fprintf(stderr, "write failed: %s\n", strerror(cqe->res < 0 ? -cqe->res : EIO));
      return 1;
    }
    io_uring_cqe_seen(&ring, cqe);
    --in_flight;
    completed += kRequest;
  }
  if (fdatasync(fd) != 0) return 1;
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  printf("%.4f\n", seconds);
  close(fd);
  return 0;
}
