#include "orchestrator/worker/mm_transfer_path.h"

#include <filesystem>
#include <stdexcept>
#include <system_error>

namespace mm::worker {

std::string mm_transfer_beside_executable() {
  std::error_code ec;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) throw std::runtime_error("cannot read /proc/self/exe: " + ec.message());
  return (self.parent_path() / "mm-transfer").string();
}

}  // namespace mm::worker
