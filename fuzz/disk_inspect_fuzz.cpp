// Fuzzes the inspection's parsers of disk contents (inspect/): the input is a whole disk. MBR and
// EBR chains, GPT headers and entry arrays, the superblock probes (ext, XFS, NTFS with its $Volume
// label, FAT, swap, LVM) and os-release text. Everything must come back as a result: no crash, no
// read out of bounds, and only clean UTF-8 in what gets printed (the strict JSON dump throws
// otherwise).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "inspect/inspection_format.h"
#include "inspect/inspector.h"
#include "inspect/os_release.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  mm::inspect::MemoryDisk disk(data, size);
  // libext2fs (reading os-release from ext filesystems) is not ours to fuzz.
  const mm::inspect::Inspection r = mm::inspect::inspect_disk(disk, {false});
  if (r.size != size) std::abort();
  if (r.table == mm::inspect::TableKind::kNone && r.partitions.size() > 1) std::abort();
  for (const auto& p : r.partitions) {
    if (p.filesystem != "none" && p.start >= size) std::abort();  // probed only inside the disk
  }
  mm::inspect::to_json(r).dump();
  mm::inspect::format_table(r);
  const auto os =
      mm::inspect::parse_os_release(std::string_view(reinterpret_cast<const char*>(data), size));
  nlohmann::json{os.id, os.name, os.version_id, os.pretty_name}.dump();
  return 0;
}
