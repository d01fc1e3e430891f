#pragma once
// The migration scheduler: on every tick it claims the instances of started batches, checks their
// restrictions, places them, and moves each through the state machine (state_table.h) within the
// limits: the target's create limit, the source's and target's import limits, each window's
// capacity and lockout, each constraint's concurrency and minimum boot time. The work of a stage
// runs in a StepRunner; the scheduler only decides. All state is in the Store, so a daemon killed
// at any point resumes on its next tick.
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "orchestrator/migration/clock.h"
#include "orchestrator/migration/queue_control.h"
#include "orchestrator/migration/state_table.h"
#include "orchestrator/migration/step_runner.h"
#include "orchestrator/state/store.h"

namespace mm::migration {

struct SchedulerOptions {
  std::chrono::milliseconds tick_interval{1000};  // real time between ticks of the thread
};

struct TickStats {
  size_t batches = 0, entries = 0, claimed = 0, moves = 0, steps_started = 0;
};

class Scheduler final : public QueueControl, public StepReporter {
 public:
  Scheduler(state::Store& store, const Clock& clock, StepRunner& runner,
            SchedulerOptions options = {});
  ~Scheduler() override;

  // One pass over every batch and queue entry. Called by the thread, or directly by tests.
  TickStats tick();
  void start();  // ticks every tick_interval (or at once after wake()) until stop()
  void stop();   // stops the thread and abandons running steps (resumed by the next daemon)

  // QueueControl
  void cancel(const std::string& instance_uuid) override;
  void retry(const std::string& instance_uuid) override;
  void resolve(const std::string& instance_uuid) override;
  void confirm(const std::string& instance_uuid) override;
  void wake() override;

  // StepReporter
  void update(const std::string& instance_uuid,
              const std::function<void(QueueData&, std::string&)>& fn) override;
  void update_with_event(const std::string& instance_uuid,
                         const std::function<void(QueueData&, std::string&)>& fn,
                         const std::string& type, const std::string& event_message) override;
  void event(const std::string& instance_uuid, const std::string& type, const std::string& message,
             const nlohmann::json& data = {}) override;
  void finished(const std::string& instance_uuid, StepKind kind,
                const StepOutcome& outcome) override;

 private:
  struct Context;
  void move(state::QueueRecord& q, Event e, std::string_view guard = "");
  bool save(state::QueueRecord& q, const QueueData& d, bool claim = false);
  void append_event(const state::QueueRecord& q, const std::string& type,
                    const std::string& message, const nlohmann::json& data = {});
  std::string now_text() const;

  state::Store& store_;
  const Clock& clock_;
  StepRunner& runner_;
  SchedulerOptions options_;
  std::recursive_mutex mu_;  // one decision or update at a time
  std::mutex wake_mu_;
  std::condition_variable wake_cv_;
  bool woken_ = false;
  bool stopping_ = false;
  std::thread thread_;
  // Parsed QueueData by instance, reused while the stored text is unchanged (ticks over a large
  // idle estate would otherwise spend most of their time parsing JSON).
  std::map<std::string, std::pair<std::string, QueueData>> data_cache_;
  std::vector<state::QueueEventRecord> pending_events_;  // written with the next save()
};

// "Importing disk (1/1) \"[datastore-01] CentOS9/CentOS9.vmdk\": 3.00% complete"
std::string disk_progress_message(const char* verb, size_t index, size_t count,
                                  const std::string& backing, int64_t done, int64_t total);

}  // namespace mm::migration
