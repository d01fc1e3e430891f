#pragma once
// Random (version 4) UUIDs for rows the daemon names itself (warnings, networks).
#include <string>

namespace mm::state {

std::string random_uuid();

}  // namespace mm::state
