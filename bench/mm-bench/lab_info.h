#pragma once
// mm-lab's info file (docs/demo.md): where the lab's VM disk images are, so that `plan` run inside
// the demo (MM_LAB_INFO set) can measure the copy the daemon will make there when nothing else
// was measured.
#include <string>
#include <vector>

namespace mm::bench {

// The disk images of the lab's VMs, in the file's order; throws std::runtime_error naming the
// file when it cannot be read or has no "vms[].disk_images".
std::vector<std::string> lab_disk_images(const std::string& info_file);

}  // namespace mm::bench
