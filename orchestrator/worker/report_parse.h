#pragma once
// Reading what mm-transfer writes for its supervisor: the progress lines of --progress-fd and the
// final --json report. Both come from another process, so anything malformed is refused (nullopt),
// never trusted in part.
#include <optional>
#include <string_view>

#include "orchestrator/worker/worker_status.h"

namespace mm::worker {

// One line of --progress-fd (docs/disk-workers.md):
// {"type":"progress","phase":...,"bytes_done":...}.
std::optional<WorkerProgress> parse_progress_line(std::string_view line);

// The --json report of copy or sync: a JSON object with at least "size" and "bytes_read".
std::optional<TransferResult> parse_final_report(std::string_view line);

}  // namespace mm::worker
