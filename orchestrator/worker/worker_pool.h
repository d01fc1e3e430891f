#pragma once
// The daemon's disk workers, keyed by a string id (the scheduler uses
// "<instance uuid>/<disk index>/<phase>"). Every call is safe from any thread while the workers'
// own threads run; none waits on a process except cancel(), remove() and cancel_all().
// The pool bounds nothing: the scheduler decides how many jobs run at once.
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "orchestrator/worker/disk_job.h"
#include "orchestrator/worker/disk_worker.h"
#include "orchestrator/worker/worker_status.h"

namespace mm::worker {

class WorkerPool {
 public:
  // Called from a worker's thread when it reaches a final state (a hint to wake the scheduler; it
  // must not call start(), cancel(), remove() or cancel_all() for the same id: they may join that
  // very thread).
  using FinishCallback = std::function<void(const std::string& id, const WorkerStatus&)>;

  explicit WorkerPool(FinishCallback on_finish = {});
  ~WorkerPool();  // cancel_all()
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Starts a worker for `job`. False (and nothing started) when a worker of that id is still
  // running; a finished one of that id is replaced.
  [[nodiscard]] bool start(const std::string& id, DiskJob job);
  std::optional<WorkerStatus> status(const std::string& id) const;
  std::map<std::string, WorkerStatus> statuses() const;
  std::vector<std::string> ids() const;
  // Kills the worker's process group and waits for it: false when the id is unknown. The worker
  // stays listed (kCanceled, or the final state it had already reached) until remove().
  bool cancel(const std::string& id);
  // Forgets a worker, cancelling it first if it still runs.
  bool remove(const std::string& id);
  void cancel_all();

 private:
  std::shared_ptr<DiskWorker> find(const std::string& id) const;

  FinishCallback on_finish_;
  mutable std::mutex mu_;
  // shared_ptr: a caller keeps its worker alive while it waits, without holding the pool's lock.
  std::map<std::string, std::shared_ptr<DiskWorker>> workers_;
};

}  // namespace mm::worker
