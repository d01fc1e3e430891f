#pragma once
// The long-running work of a stage (creating the target, copying disks, powering the source,
// starting the target) happens off the scheduler's thread. The scheduler starts a step; the runner
// reports its end through StepReporter. migration_steps.h is the real runner (VMware, Incus,
// mm-transfer workers); tests and the benchmark may use their own.
#include <functional>
#include <string>
#include <string_view>

#include "orchestrator/migration/queue_data.h"

namespace mm::migration {

enum class StepKind {
  kCreate,
  kBackgroundImport,
  kTopUp,
  kFinalImport,
  kPostMigration,
  // Cold migration, one per stage of the same name.
  kExport,
  kInspect,
  kWriteVolume,
  kGuestFixes,
  kFinalize,
};

std::string_view step_name(StepKind k);

struct StepOutcome {
  bool ok = true;
  std::string reason;  // why it failed, in words the queue shows
};

// What a running step may do to its instance's queue entry. Thread-safe.
class StepReporter {
 public:
  virtual ~StepReporter() = default;
  // Read-modify-write of the instance's QueueData (and status message), serialised with the
  // scheduler's own updates. `message` empty: leave the status message alone.
  virtual void update(const std::string& instance_uuid,
                      const std::function<void(QueueData&, std::string& message)>& fn) = 0;
  // update() and an event in one write: what was done and the event telling of it cannot be
  // separated by a crash.
  virtual void update_with_event(const std::string& instance_uuid,
                                 const std::function<void(QueueData&, std::string& message)>& fn,
                                 const std::string& type, const std::string& event_message) = 0;
  // Appends a named event (queue events NAME).
  virtual void event(const std::string& instance_uuid, const std::string& type,
                     const std::string& message, const nlohmann::json& data = {}) = 0;
  // The step ended; called once per start(), from the runner's thread.
  virtual void finished(const std::string& instance_uuid, StepKind kind,
                        const StepOutcome& outcome) = 0;
};

class StepRunner {
 public:
  virtual ~StepRunner() = default;
  // Starts `kind` for the instance; returns at once. At most one step per instance runs.
  virtual void start(const std::string& instance_uuid, StepKind kind) = 0;
  // Abandons the instance's running step (workers killed, checkpoints kept) and waits until it has
  // stopped; finished() is not called for it. No-op when nothing runs.
  virtual void stop(const std::string& instance_uuid) = 0;
  virtual bool running(const std::string& instance_uuid) = 0;
  // Powers the source back on if we powered it off (window missed, cancel, failure). Synchronous.
  virtual void restore_source(const std::string& instance_uuid) = 0;
  virtual void set_reporter(StepReporter* reporter) = 0;
};

}  // namespace mm::migration
