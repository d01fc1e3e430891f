#pragma once
// Where the daemon finds mm-transfer: installed beside its own executable (bin/).
#include <string>

namespace mm::worker {

// The directory of /proc/self/exe joined with "mm-transfer". Throws std::runtime_error when the
// executable's path cannot be read.
std::string mm_transfer_beside_executable();

}  // namespace mm::worker
