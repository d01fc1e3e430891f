#include "inspect/inspector.h"

#include <algorithm>

#include "inspect/ext_filesystem.h"
#include "inspect/filesystem_probe.h"
#include "inspect/os_release.h"
#include "inspect/partition_types.h"

namespace mm::inspect {
namespace {

constexpr size_t kMaxOsRelease = 64 * 1024;

std::string where(const Partition& p) {
  return (p.number == 0 ? std::string("whole disk") : "partition " + std::to_string(p.number)) +
         " (" + p.filesystem + ")";
}

Firmware firmware_of(const PartitionTable& table) {
  for (const TableEntry& e : table.entries) {
    if (e.type == kTypeEfiSystem) return Firmware::kUefi;
  }
  if (table.kind == TableKind::kMbr && !table.entries.empty() && table.mbr_bootable) {
    return Firmware::kBios;
  }
  if (table.kind == TableKind::kGpt) {  // GRUB on a BIOS machine keeps its core in this partition
    for (const TableEntry& e : table.entries) {
      if (e.type == kTypeBiosBoot) return Firmware::kBios;
    }
  }
  return Firmware::kUnknown;
}

// os-release from one ext filesystem: /etc/os-release (a symlink into /usr/lib is followed), else
// /usr/lib/os-release, as os-release(5) says to look.
bool read_linux_release(Disk& disk, const Partition& p, Inspection& out) {
  try {
    ExtFilesystem fs(disk, p.start, p.size);
    for (const char* path : {"/etc/os-release", "/usr/lib/os-release"}) {
      const auto text = fs.read_file(path, kMaxOsRelease);
      if (!text) continue;
      const OsRelease r = parse_os_release(*text);
      out.os = {"linux", r.id, r.name, r.version_id, r.pretty_name, where(p) + " " + path};
      return true;
    }
  } catch (const ExtFilesystemError& e) {
    out.warnings.push_back(where(p) + ": " + e.what());
  }
  return false;
}

void find_os(Disk& disk, const InspectOptions& options, Inspection& out) {
  if (options.read_guest_files) {
    for (const Partition& p : out.partitions) {
      if (p.filesystem.starts_with("ext") && read_linux_release(disk, p, out)) return;
    }
  }
  for (const Partition& p : out.partitions) {
    if (p.filesystem == "ntfs") {  // the version lives in the registry: not read
      out.os = {"windows", "windows", "Windows", "", "", where(p)};
      return;
    }
  }
  for (const Partition& p : out.partitions) {
    if (p.filesystem == "swap") {  // only Linux writes this signature
      out.os.family = "linux";
      out.os.source = where(p) + " Linux swap signature";
      return;
    }
  }
}

}  // namespace

const char* firmware_name(Firmware f) {
  switch (f) {
    case Firmware::kUefi:
      return "uefi";
    case Firmware::kBios:
      return "bios";
    case Firmware::kUnknown:
      break;
  }
  return "unknown";
}

Inspection inspect_disk(Disk& disk, const InspectOptions& options) {
  Inspection out;
  out.size = disk.size();
  PartitionTable table = read_partition_table(disk);
  out.table = table.kind;
  out.firmware = firmware_of(table);
  out.warnings = std::move(table.warnings);
  for (const TableEntry& e : table.entries) {
    Partition p{e.number, e.start, e.size, e.type, "none", ""};
    if (e.type != kTypeExtended) {
      const FilesystemInfo fs = probe_filesystem(disk, e.start, e.size);
      p.filesystem = fs.type;
      p.label = fs.label;
      if (!fs.note.empty()) out.warnings.push_back(where(p) + ": " + fs.note);
    }
    out.partitions.push_back(std::move(p));
  }
  if (table.kind == TableKind::kNone) {
    const FilesystemInfo fs = probe_filesystem(disk, 0, disk.size());
    Partition whole{0, 0, disk.size(), "none", fs.type, fs.label};
    if (!fs.note.empty()) out.warnings.push_back(where(whole) + ": " + fs.note);
    if (fs.type != "none") out.partitions.push_back(std::move(whole));
  }
  find_os(disk, options, out);
  return out;
}

}  // namespace mm::inspect
