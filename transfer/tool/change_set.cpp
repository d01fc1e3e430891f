#include "transfer/tool/change_set.h"

#include <xxhash.h>

#include <cstdio>

#include "cbt/dirty_bitmap_source.h"
#include "cbt/extents_file.h"

namespace mm::transfer {
namespace {

constexpr char kDirtyBitmapPrefix[] = "dirty-bitmap:";

std::string hash_hex(const std::string& text) {
  const XXH128_hash_t h = XXH3_128bits(text.data(), text.size());
  char buf[33];
  snprintf(buf, sizeof buf, "%016llx%016llx", static_cast<unsigned long long>(h.high64),
           static_cast<unsigned long long>(h.low64));
  return buf;
}

cbt::ExtentSet read_bitmap(const Endpoint& source, const std::string& bitmap) {
  if (source.kind != EndpointKind::kNbd) {
    throw ChangeSetUsageError("--extents dirty-bitmap:" + bitmap +
                              " needs an NBD source (qemu-nbd -B " + bitmap + "), not " +
                              source.uri);
  }
  // A separate connection: the bitmap's meta context must be negotiated before connecting, and the
  // copy's own connections ask for base:allocation instead.
  cbt::NbdHandlePtr nbd = cbt::open_dirty_bitmap(source.nbd_uri, bitmap);
  return cbt::dirty_extents(nbd.get(), bitmap);
}

}  // namespace

ChangeSet load_change_set(const Endpoint& source, const std::string& extents,
                          const std::string& extents_file) {
  if (extents.empty() == extents_file.empty()) {
    throw ChangeSetUsageError(
        "sync needs exactly one of --extents dirty-bitmap:NAME and --extents-file FILE");
  }
  ChangeSet cs;
  cbt::ExtentSet set;
  if (!extents.empty()) {
    const std::string prefix = kDirtyBitmapPrefix;
    if (extents.rfind(prefix, 0) != 0 || extents.size() == prefix.size()) {
      throw ChangeSetUsageError("--extents takes dirty-bitmap:NAME, not '" + extents + "'");
    }
    const std::string bitmap = extents.substr(prefix.size());
    set = read_bitmap(source, bitmap);
    cs.description = "dirty bitmap " + bitmap;
  } else {
    set = cbt::read_extents_file(extents_file);
    cs.description = "extents file " + extents_file;
  }
  cs.extents = set.extents();
  cs.bytes = set.total_bytes();
  cs.id = hash_hex(cbt::format_extents_json(set));
  return cs;
}

}  // namespace mm::transfer
