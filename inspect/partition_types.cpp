#include "inspect/partition_types.h"

#include <cstdio>
#include <map>

namespace mm::inspect {

std::string gpt_type_name(const std::string& guid) {
  static const std::map<std::string, std::string> kNames = {
      {"C12A7328-F81F-11D2-BA4B-00A0C93EC93B", kTypeEfiSystem},
      // Linux filesystem data, and the Discoverable Partitions root/usr/home/srv/var/tmp kinds
      // that hold a filesystem as well.
      {"0FC63DAF-8483-4772-8E79-3D69D8477DE4", "linux"},
      {"4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709", "linux"},  // root, x86-64
      {"44479540-F297-41B2-9AF7-D131D5F0458A", "linux"},  // root, x86
      {"B921B045-1DF0-41C3-AF44-4C6F280D3FAE", "linux"},  // root, arm64
      {"8484680C-9521-48C6-9C11-B0720656F69E", "linux"},  // /usr, x86-64
      {"BC13C2FF-59E6-4262-A352-B275FD6F7172", "linux"},  // /boot (extended boot loader)
      {"933AC7E1-2EB4-4F13-B844-0E14E2AEF915", "linux"},  // /home
      {"3B8F8425-20E0-4F3B-907F-1A25A76F98E8", "linux"},  // /srv
      {"4D21B016-B534-45C2-A9FB-5C16E091FD2D", "linux"},  // /var
      {"7EC6F557-3BC5-4ACA-B293-16EF5DF639D1", "linux"},  // /var/tmp
      {"0657FD6D-A4AB-43C4-84E5-0933C84B4F4F", "linux-swap"},
      {"EBD0A0A2-B9E5-4433-87C0-68B6B72699C7", "microsoft-basic-data"},
      {"E3C9E316-0B5C-4DB8-817D-F92DF00215AE", "microsoft-reserved"},
      {"DE94BBA4-06D1-4D40-A16A-BFD50179D6AC", "windows-recovery"},
  };
  const auto it = kNames.find(guid);
  return it != kNames.end() ? it->second : "other:" + guid;
}

bool is_mbr_extended(uint8_t type) {
  return type == 0x05 || type == 0x0f || type == 0x85;
}

std::string mbr_type_name(uint8_t type) {
  switch (type) {
    case 0xef:
      return kTypeEfiSystem;
    case 0x83:
      return "linux";
    case 0x82:
      return "linux-swap";
    // NTFS/exFAT and the FAT kinds: what GPT calls basic data.
    case 0x07:
    case 0x01:
    case 0x04:
    case 0x06:
    case 0x0b:
    case 0x0c:
    case 0x0e:
      return "microsoft-basic-data";
    case 0x27:  // hidden NTFS: Windows RE
      return "windows-recovery";
    default:
      break;
  }
  if (is_mbr_extended(type)) return kTypeExtended;
  char s[16];
  snprintf(s, sizeof s, "other:0x%02x", type);
  return s;
}

}  // namespace mm::inspect
