#pragma once
// The name an instance gets on the target, and the Name the queue shows: the source VM's name with
// everything Incus refuses dropped ("Cent OS 9 UEFI" -> "CentOS9UEFI", as the reference's queue
// shows it). Incus names are letters, digits and dashes, start with a letter, at most 63 long.
#include <string>

namespace mm::state {

std::string target_instance_name(const std::string& source_name);

}  // namespace mm::state
