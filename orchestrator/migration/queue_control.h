#pragma once
// What the API may ask of the migration scheduler (orchestrator/migration/scheduler.h implements
// it): user decisions about one queued instance, and a nudge after batches or the inventory change.
// Every call returns at once; the scheduler acts on its next tick. Methods throw
// std::invalid_argument with a message for the user when the request does not apply (for example
// "cannot retry: instance is not in Error state"), and state::StoreError kNotFound for an unknown
// instance.
#include <stdexcept>
#include <string>

namespace mm::migration {

class QueueControl {
 public:
  virtual ~QueueControl() = default;
  // Stops the instance's migration: workers killed, the source powered back on if we turned it
  // off; status Canceled. Refused once Finished.
  virtual void cancel(const std::string& instance_uuid) = 0;
  // An instance in Error or Canceled goes back to the start of the step that failed.
  virtual void retry(const std::string& instance_uuid) = 0;
  // An instance in Conflict (changed at the source since it was queued) is accepted as it now is.
  virtual void resolve(const std::string& instance_uuid) = 0;
  // A Completed cold migration is accepted: the source stays powered off for good (a cancel before
  // this powers it back on). Finished.
  virtual void confirm(const std::string& instance_uuid) {
    (void)instance_uuid;
    throw std::invalid_argument("cannot confirm: not supported by this scheduler");
  }
  // Batches were started, stopped, edited, reset or removed: re-plan now rather than at the next
  // tick.
  virtual void wake() = 0;
};

}  // namespace mm::migration
