#include "orchestrator/batch/batch_config.h"

namespace mm::batch {
namespace {

// "line 7: migration_windows[0].end: ..."; the parts that are unknown are left out.
std::string describe(const std::string& field, int line, const std::string& problem) {
  std::string out;
  if (line > 0) out = "line " + std::to_string(line) + ": ";
  if (!field.empty()) out += field + ": ";
  return out + problem;
}

}  // namespace

BatchError::BatchError(const std::string& field, int line, const std::string& problem)
    : std::invalid_argument(describe(field, line, problem)), field_(field), line_(line) {}

}  // namespace mm::batch
