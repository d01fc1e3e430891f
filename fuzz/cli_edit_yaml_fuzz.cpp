// The CLI's reading of user-edited YAML (edit commands): header stripping, then yaml-cpp and the
// schema check. Any input may be refused with EditError, never crash or hang.
#include <cstddef>
#include <cstdint>
#include <string>

#include "cli/edit_schemas.h"
#include "cli/editor.h"
#include "cli/yaml_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    mm::cli::yaml_to_json(mm::cli::strip_comment_lines(text), mm::cli::instance_override_schema());
  } catch (const mm::cli::EditError&) {
  }
  try {
    mm::cli::yaml_to_json(mm::cli::strip_comment_lines(text), mm::cli::network_override_schema());
  } catch (const mm::cli::EditError&) {
  }
  return 0;
}
