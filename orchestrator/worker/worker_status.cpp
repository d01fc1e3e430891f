#include "orchestrator/worker/worker_status.h"

namespace mm::worker {

const char* state_name(WorkerState s) {
  switch (s) {
    case WorkerState::kRunning:
      return "running";
    case WorkerState::kRestarting:
      return "restarting";
    case WorkerState::kSucceeded:
      return "succeeded";
    case WorkerState::kFailed:
      return "failed";
    case WorkerState::kCanceled:
      return "canceled";
  }
  return "unknown";
}

}  // namespace mm::worker
