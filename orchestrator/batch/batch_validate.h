#pragma once
// The rules a batch must satisfy before it is stored (docs/batches.md): expressions and the
// placement scriptlet compile, windows are ordered, names are unique, numbers and durations are
// not negative. The YAML reader passes the line of each field so errors point into the editor.
#include <map>
#include <string>

#include "orchestrator/batch/batch_config.h"

namespace mm::batch {

// Field path ("migration_windows[0].end") -> 1-based YAML line of its value.
using FieldLines = std::map<std::string, int>;

// Throws BatchError for the first rule broken. `lines` (may be null) gives the lines errors carry.
void validate_batch(const BatchConfig& b, const FieldLines* lines = nullptr);

// The line recorded for `field`, else for its closest recorded parent, else 0.
int line_of(const FieldLines* lines, const std::string& field);

}  // namespace mm::batch
