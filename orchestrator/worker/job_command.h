#pragma once
// The mm-transfer command line and environment of a disk job.
#include <string>
#include <vector>

#include "orchestrator/worker/disk_job.h"

namespace mm::worker {

// The descriptor on which the worker process writes its progress lines (--progress-fd).
constexpr int kProgressFd = 3;

// argv: mm-transfer copy|sync SRC DST --json --progress-fd 3 [--checkpoint F] [--extents-file F]
// EXTRA... Throws std::invalid_argument when the job cannot make a command (no binary, no source,
// no target, a sync without an extents file).
std::vector<std::string> job_arguments(const DiskJob& job);

// `base` (NAME=VALUE entries, e.g. from environ) with the job's additions replacing same names.
std::vector<std::string> job_environment(const DiskJob& job, const char* const* base);

}  // namespace mm::worker
