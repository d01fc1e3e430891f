#pragma once
// Test fixtures around qemu-utils: a private temp dir, running qemu-img/qemu-io, and a qemu-nbd
// serving a qcow2 (with dirty bitmaps) on a unix socket, stopped when the fixture goes away.
#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

namespace mm::cbt::test_support {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Runs argv[0] from PATH and waits; throws std::runtime_error with its output if it fails.
void run(const std::vector<std::string>& argv, const std::filesystem::path& log);

class QemuNbd {
 public:
  // Serves `image` read-only (qcow2) on dir/nbd.sock, exporting each of `bitmaps` with -B.
  QemuNbd(const std::filesystem::path& dir, const std::filesystem::path& image,
          const std::vector<std::string>& bitmaps);
  ~QemuNbd();
  QemuNbd(const QemuNbd&) = delete;
  QemuNbd& operator=(const QemuNbd&) = delete;

  std::string uri() const { return "nbd+unix:///?socket=" + socket_.string(); }

 private:
  std::filesystem::path socket_;
  pid_t pid_ = -1;
};

}  // namespace mm::cbt::test_support
