#include "orchestrator/worker/worker_pool.h"

namespace mm::worker {

WorkerPool::WorkerPool(FinishCallback on_finish) : on_finish_(std::move(on_finish)) {}

WorkerPool::~WorkerPool() {
  cancel_all();
}

bool WorkerPool::start(const std::string& id, DiskJob job) {
  std::shared_ptr<DiskWorker> replaced;  // destroyed (joined) after the lock is released
  std::lock_guard lock(mu_);
  auto it = workers_.find(id);
  if (it != workers_.end()) {
    if (!it->second->finished()) return false;
    replaced = std::move(it->second);
  }
  DiskWorker::FinishCallback cb;
  if (on_finish_) {
    cb = [this, id](const WorkerStatus& s) { on_finish_(id, s); };
  }
  workers_[id] = std::make_shared<DiskWorker>(std::move(job), std::move(cb));
  return true;
}

std::shared_ptr<DiskWorker> WorkerPool::find(const std::string& id) const {
  std::lock_guard lock(mu_);
  const auto it = workers_.find(id);
  return it == workers_.end() ? nullptr : it->second;
}

std::optional<WorkerStatus> WorkerPool::status(const std::string& id) const {
  const auto w = find(id);
  if (!w) return std::nullopt;
  return w->status();
}

std::map<std::string, WorkerStatus> WorkerPool::statuses() const {
  std::vector<std::pair<std::string, std::shared_ptr<DiskWorker>>> all;
  {
    std::lock_guard lock(mu_);
    all.assign(workers_.begin(), workers_.end());
  }
  std::map<std::string, WorkerStatus> out;
  for (const auto& [id, w] : all) out.emplace(id, w->status());
  return out;
}

std::vector<std::string> WorkerPool::ids() const {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  for (const auto& [id, w] : workers_) out.push_back(id);
  return out;
}

bool WorkerPool::cancel(const std::string& id) {
  const auto w = find(id);
  if (!w) return false;
  w->cancel();
  return true;
}

bool WorkerPool::remove(const std::string& id) {
  std::shared_ptr<DiskWorker> w;
  {
    std::lock_guard lock(mu_);
    const auto it = workers_.find(id);
    if (it == workers_.end()) return false;
    w = std::move(it->second);
    workers_.erase(it);
  }
  w->cancel();
  return true;
}

void WorkerPool::cancel_all() {
  std::vector<std::shared_ptr<DiskWorker>> all;
  {
    std::lock_guard lock(mu_);
    for (const auto& [id, w] : workers_) all.push_back(w);
  }
  for (const auto& w : all) w->cancel();
}

}  // namespace mm::worker
