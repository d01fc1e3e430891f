#include "tests/support/guest_disk.h"

#include <fcntl.h>
#include <unistd.h>

#include <stdexcept>

namespace mm::test {

std::vector<char> guest_pattern(uint64_t length, uint32_t seed) {
  std::vector<char> buf(length);
  uint32_t x = seed * 2654435761u + 1;
  for (char& c : buf) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    c = static_cast<char>(x);
  }
  return buf;
}

void write_guest_bytes(const std::string& image, uint64_t offset, const std::vector<char>& data) {
  const int fd = ::open(image.c_str(), O_WRONLY);
  if (fd < 0) throw std::runtime_error("open " + image);
  const ssize_t n = ::pwrite(fd, data.data(), data.size(), static_cast<off_t>(offset));
  ::close(fd);
  if (n != static_cast<ssize_t>(data.size())) throw std::runtime_error("short write to " + image);
  // One write(2) per line on an O_APPEND file: the simulator never reads half a line as whole.
  const std::string line = "{\"offset\":" + std::to_string(offset) +
                           ",\"length\":" + std::to_string(data.size()) + "}\n";
  const int jfd = ::open(change_journal(image).c_str(), O_WRONLY | O_APPEND | O_CREAT, 0644);
  if (jfd < 0) throw std::runtime_error("open journal of " + image);
  const ssize_t w = ::write(jfd, line.data(), line.size());
  ::close(jfd);
  if (w != static_cast<ssize_t>(line.size())) throw std::runtime_error("journal write");
}

void write_guest_data(const std::string& image, uint64_t offset, uint64_t length, uint32_t seed) {
  write_guest_bytes(image, offset, guest_pattern(length, seed));
}

}  // namespace mm::test
