#pragma once
// What one disk worker runs: an mm-transfer copy or sync of one disk, and how often it is restarted
// from its checkpoint when the process dies. Plain data: the scheduler fills it in, nothing here
// knows the daemon's state.
#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace mm::worker {

enum class TransferOperation { kCopy, kSync };

struct RestartPolicy {
  // Restarts after a crash, a kill or exit 3 (a failed transfer); bad usage (exit 2) is never
  // retried.
  unsigned max_restarts = 5;
  // Wait before restart n (1-based): first_backoff * 2^(n-1), at most max_backoff.
  std::chrono::milliseconds first_backoff{1000};
  std::chrono::milliseconds max_backoff{30000};
  // A process whose progress has not moved for this long is killed (and restarted). 0: never.
  std::chrono::milliseconds stall_timeout{0};
};

struct DiskJob {
  TransferOperation operation = TransferOperation::kCopy;
  std::string source;        // as mm-transfer takes it: nbd://, nbd+unix://, a path, https://...
  std::string target;        // a path, file:PATH, nbd://, nbd+unix://, mmt://
  std::string checkpoint;    // the resume record: a restart continues from it
  std::string extents_file;  // sync: the changed areas (JSON, cbt/extents_file.h)
  std::vector<std::string> extra_args;  // e.g. {"--connections", "2"}
  // Added to (or replacing in) the daemon's environment, e.g. MM_HTTP_COOKIE for an https source:
  // secrets stay off the command line, where any user could read them.
  std::map<std::string, std::string> environment;
  std::string mm_transfer_path;  // the binary; see mm_transfer_path.h
  RestartPolicy restart;
};

}  // namespace mm::worker
