// Artifact uploads take outside input twice: the metadata body (POST /1.0/artifacts) and the
// uploaded file, whose tar listing (libarchive) or ISO header is read before it is kept. The
// first byte picks which: 0 metadata, 1 SDK tarball, 2 ISO header; the rest is the input.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "orchestrator/artifacts/artifact_content.h"
#include "orchestrator/artifacts/artifact_meta.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t mode = data[0] % 3;
  ++data;
  --size;
  try {
    if (mode == 0) {
      const auto m = mm::artifacts::parse_artifact_meta(
          std::string_view(reinterpret_cast<const char*>(data), size));
      // What was accepted must store and read back as itself.
      mm::state::ArtifactRecord r;
      r.type = m.type;
      r.properties = mm::artifacts::properties_json(m);
      const auto back = mm::artifacts::meta_of(r);
      if (back.os != m.os || back.architectures != m.architectures || back.versions != m.versions ||
          back.source_type != m.source_type) {
        __builtin_trap();
      }
      (void)mm::artifacts::artifact_to_json(r);
      (void)mm::artifacts::default_file_name(m);
    } else if (mode == 1) {
      const auto l = mm::artifacts::check_sdk_tarball(data, size);
      if (l.library.empty()) __builtin_trap();
    } else {
      (void)mm::artifacts::is_iso9660(data, size);
    }
  } catch (const mm::artifacts::ArtifactError&) {
  }
  return 0;
}
