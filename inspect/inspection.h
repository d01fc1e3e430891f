#pragma once
// What an inspection found on a disk: the shape of `mm-transfer inspect --json`
// (docs/inspection.md).
#include <cstdint>
#include <string>
#include <vector>

#include "inspect/partition_table.h"

namespace mm::inspect {

enum class Firmware { kUnknown, kBios, kUefi };
const char* firmware_name(Firmware f);  // "unknown", "bios", "uefi"

struct Partition {
  unsigned number = 0;  // 0: the whole disk holds a filesystem (no partition table)
  uint64_t start = 0, size = 0;
  std::string type;  // partition_types.h; "none" for number 0
  std::string filesystem = "none";
  std::string label;
};

struct OsInfo {
  std::string family = "unknown";  // "linux", "windows", "unknown"
  std::string id, name, version, pretty_name;
  std::string source;  // where it was read, e.g. "partition 2 (ext4) /etc/os-release"
};

struct Inspection {
  uint64_t size = 0;
  TableKind table = TableKind::kNone;
  Firmware firmware = Firmware::kUnknown;
  std::vector<Partition> partitions;
  OsInfo os;
  std::vector<std::string> warnings;  // what was damaged, refused or not looked into
};

}  // namespace mm::inspect
