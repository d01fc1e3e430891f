#include "orchestrator/inventory/sync_service.h"

#include "orchestrator/inventory/status.h"
#include "orchestrator/inventory/sync.h"

namespace mm::inventory {

SyncService::SyncService(state::Store& store, std::shared_ptr<source::SourceConnector> sources,
                         std::shared_ptr<target::TargetConnector> targets, SyncOptions options)
    : store_(store),
      sources_(std::move(sources)),
      targets_(std::move(targets)),
      options_(options) {}

SyncService::~SyncService() {
  stop();
}

void SyncService::start() {
  std::lock_guard lock(mu_);
  if (started_) return;
  started_ = true;
  stopping_ = false;
  source_lane_.thread = std::thread([this] { run_lane(source_lane_, true); });
  target_lane_.thread = std::thread([this] { run_lane(target_lane_, false); });
}

void SyncService::stop() {
  {
    std::lock_guard lock(mu_);
    if (!started_) return;
    stopping_ = true;
    for (Lane* lane : {&source_lane_, &target_lane_}) {
      lane->work.notify_all();
      lane->finished.notify_all();
    }
  }
  for (Lane* lane : {&source_lane_, &target_lane_}) {
    if (lane->thread.joinable()) lane->thread.join();
  }
  std::lock_guard lock(mu_);
  started_ = false;
}

uint64_t SyncService::enqueue(Lane& lane, const std::string& name) {
  const uint64_t gen = ++lane.requested[name];
  if (lane.queued.insert(name).second) lane.queue.push_back(name);
  lane.work.notify_one();
  return gen;
}

void SyncService::queue_all() {
  const auto sources = sources_ ? store_.list_sources() : std::vector<state::SourceRecord>{};
  const auto targets = targets_ ? store_.list_targets() : std::vector<state::TargetRecord>{};
  std::lock_guard lock(mu_);
  for (const auto& s : sources) enqueue(source_lane_, s.name);
  for (const auto& t : targets) enqueue(target_lane_, t.name);
}

ConnectivityResult SyncService::wait_for(Lane& lane, const std::string& name, uint64_t gen,
                                         const std::string& stored_status) {
  std::unique_lock lock(mu_);
  const bool done = lane.finished.wait_for(lock, options_.api_wait,
                                           [&] { return stopping_ || lane.done[name] >= gen; });
  if (!done || lane.done[name] < gen) return {stored_status, "", false, ""};
  return lane.results[name];
}

ConnectivityResult SyncService::check_source(const std::string& name) {
  const auto src = store_.get_source(name);
  const std::string stored = src ? src->connectivity_status : kStatusUnknown;
  if (!sources_) return {stored, "", true, ""};
  uint64_t gen = 0;
  {
    std::lock_guard lock(mu_);
    if (!started_ || stopping_) return {stored, "", false, ""};
    gen = enqueue(source_lane_, name);
  }
  return wait_for(source_lane_, name, gen, stored);
}

ConnectivityResult SyncService::check_target(const std::string& name) {
  const auto t = store_.get_target(name);
  const std::string stored = t ? t->connectivity_status : kStatusUnknown;
  if (!targets_) return {stored, "", true, ""};
  uint64_t gen = 0;
  {
    std::lock_guard lock(mu_);
    if (!started_ || stopping_) return {stored, "", false, ""};
    gen = enqueue(target_lane_, name);
  }
  return wait_for(target_lane_, name, gen, stored);
}

void SyncService::run_lane(Lane& lane, bool is_source) {
  using clock = std::chrono::steady_clock;
  // Only the source lane keeps the periodic clock; it queues targets as well.
  auto next_round = clock::now();
  const bool periodic = is_source && options_.interval.count() > 0;
  std::unique_lock lock(mu_);
  while (!stopping_) {
    if (periodic && clock::now() >= next_round) {
      next_round = clock::now() + options_.interval;
      lock.unlock();
      try {
        queue_all();
      } catch (...) {
        // A failed listing (database trouble) skips this round; the next one retries.
      }
      lock.lock();
      continue;
    }
    if (lane.queue.empty()) {
      if (periodic) {
        lane.work.wait_until(lock, next_round);
      } else {
        lane.work.wait(lock);
      }
      continue;
    }
    const std::string name = lane.queue.front();
    lane.queue.pop_front();
    lane.queued.erase(name);
    const uint64_t gen = lane.requested[name];
    lock.unlock();
    ConnectivityResult r;
    try {
      r = is_source ? inventory::sync_source(store_, *sources_, name)
                    : inventory::check_target(store_, *targets_, name);
    } catch (const std::exception& e) {
      // Database trouble, or the object was deleted mid-sync: report it, keep the worker alive.
      r = {kStatusUnknown, "", true, e.what()};
    }
    lock.lock();
    lane.results[name] = r;
    lane.done[name] = gen;
    lane.finished.notify_all();
  }
}

}  // namespace mm::inventory
