#pragma once
// The daemon's sync worker: one thread syncs sources, one checks targets, each running one job at
// a time (so a source is never synced twice at once), plus a periodic resync of every source and
// target. The API asks for a check and waits a bounded time for the answer; HTTP threads never
// talk to a source or target themselves.
#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "orchestrator/inventory/connectivity.h"
#include "orchestrator/source/source_inventory.h"
#include "orchestrator/state/store.h"
#include "orchestrator/target/target_status.h"

namespace mm::inventory {

struct SyncOptions {
  std::chrono::nanoseconds interval = std::chrono::minutes(10);  // periodic resync; 0: never
  std::chrono::nanoseconds api_wait = std::chrono::seconds(20);  // how long an API call waits
};

class SyncService : public Connectivity {
 public:
  // Either connector may be null: that kind is then never checked and keeps its stored status.
  SyncService(state::Store& store, std::shared_ptr<source::SourceConnector> sources,
              std::shared_ptr<target::TargetConnector> targets, SyncOptions options = {});
  ~SyncService() override;
  SyncService(const SyncService&) = delete;
  SyncService& operator=(const SyncService&) = delete;

  // Starts the workers; the first periodic round runs at once (the state is fresh after a start).
  void start();
  // Stops after the jobs that are running finish; queued ones are dropped.
  void stop();

  ConnectivityResult check_source(const std::string& name) override;
  ConnectivityResult check_target(const std::string& name) override;
  bool can_sync_sources() const override { return sources_ != nullptr; }

  // Queues every source and target, as the periodic round does.
  void queue_all();

 private:
  // A queue of names run one at a time by one thread; waiters are woken when a run that started
  // after their request finishes.
  struct Lane {
    std::deque<std::string> queue;
    std::set<std::string> queued;
    std::map<std::string, uint64_t> requested;  // generation asked for, per name
    std::map<std::string, uint64_t> done;       // generation of the last finished run
    std::map<std::string, ConnectivityResult> results;
    std::condition_variable work;
    std::condition_variable finished;
    std::thread thread;
  };

  uint64_t enqueue(Lane& lane, const std::string& name);  // mu_ held
  ConnectivityResult wait_for(Lane& lane, const std::string& name, uint64_t gen,
                              const std::string& stored_status);
  void run_lane(Lane& lane, bool is_source);

  state::Store& store_;
  std::shared_ptr<source::SourceConnector> sources_;
  std::shared_ptr<target::TargetConnector> targets_;
  SyncOptions options_;
  std::mutex mu_;
  bool stopping_ = false;
  bool started_ = false;
  Lane source_lane_;
  Lane target_lane_;
};

}  // namespace mm::inventory
