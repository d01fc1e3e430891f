// Batch YAML as `batch edit` reads it: parse and validate any input, never crash or hang; and a
// batch that was accepted must come back unchanged through its YAML and its JSON forms.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "orchestrator/batch/batch_json.h"
#include "orchestrator/batch/batch_yaml.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  mm::batch::BatchConfig b;
  try {
    b = mm::batch::parse_batch_yaml(text);
  } catch (const mm::batch::BatchError&) {
    return 0;
  }
  if (mm::batch::parse_batch_yaml(mm::batch::batch_to_yaml(b)) != b) std::abort();
  if (mm::batch::batch_from_json_text(mm::batch::batch_to_json(b).dump()) != b) std::abort();
  return 0;
}
