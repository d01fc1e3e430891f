// The reference tool's top-up, as a baseline for bench/compare-sync: for each changed area, a
// synchronous pread of up to 64 MiB through libnbd, then an O_DIRECT pwrite to the target, one
// request in flight, and an fsync at the end. Areas must be 4 KiB-aligned (O_DIRECT).
//
//   bench_sync_baseline NBD_URI TARGET EXTENTS.json
#include <fcntl.h>
#include <libnbd.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "cbt/extents_file.h"

int main(int argc, char** argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: %s NBD_URI TARGET EXTENTS.json\n", argv[0]);
    return 2;
  }
  constexpr uint64_t kChunk = 64ull << 20;
  const mm::cbt::ExtentSet areas = mm::cbt::read_extents_file(argv[3]);
  nbd_handle* nbd = nbd_create();
  if (!nbd || nbd_connect_uri(nbd, argv[1]) == -1) {
    fprintf(stderr, "%s\n", nbd_get_error());
    return 1;
  }
  const int fd = open(argv[2], O_WRONLY | O_DIRECT);
  void* buf = nullptr;
  if (fd < 0 || posix_memalign(&buf, 4096, kChunk) != 0) {
    perror(argv[2]);
    return 1;
  }
  uint64_t bytes = 0;
  for (const mm::cbt::Extent& e : areas) {
    for (uint64_t off = e.offset; off < e.end(); off += kChunk) {
      const uint64_t n = std::min(kChunk, e.end() - off);
      if (nbd_pread(nbd, buf, n, off, 0) == -1) {
        fprintf(stderr, "pread at %lu: %s\n", off, nbd_get_error());
        return 1;
      }
      if (pwrite(fd, buf, n, static_cast<off_t>(off)) != static_cast<ssize_t>(n)) {
        perror("pwrite");
        return 1;
      }
      bytes += n;
    }
  }
  if (fsync(fd) != 0) {
    perror("fsync");
    return 1;
  }
  close(fd);
  nbd_close(nbd);
  printf("%lu bytes in %zu areas\n", bytes, areas.size());
  return 0;
}
