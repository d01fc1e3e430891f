#pragma once
// What the migration steps (migration_steps.cpp, cold_steps.cpp) share: loading an instance's
// queue entry and records, the target's endpoint, where a worker reads a disk, and creating the
// target instance and its volumes (idempotent: our instances and volumes carry the source
// instance's UUID, so a restarted step recognises its own and never takes over someone else's).
#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "orchestrator/incus/requests.h"
#include "orchestrator/migration/disk_copier.h"
#include "orchestrator/migration/migration_steps.h"
#include "orchestrator/migration/step_runner.h"
#include "orchestrator/state/store.h"
#include "orchestrator/target/target_status.h"

namespace mm::vmware {
class VmwareClient;
}

namespace mm::migration::steps_detail {

// The target instance's config key naming the source instance it was created for.
inline constexpr const char* kOwnerKey = "user.migration-manager.instance";

// A step gives up on its instance at once when asked to stop.
struct Canceled {};

struct Parts {
  state::QueueRecord q;
  QueueData d;
  state::InstanceRecord instance;
  nlohmann::json view;  // effective
  state::SourceRecord source;
  std::string vm_moref;
};

Parts load(state::Store& store, const std::string& uuid);
target::TargetEndpoint target_endpoint(state::Store& store, const std::string& name);
std::string volume_name(const std::string& instance, size_t index);  // "NAME-disk1"
// Where a worker reads a disk: a mounted datastore's flat file, or the datastore service.
void set_disk_source(const StepsOptions& o, const state::SourceRecord& source,
                     const std::string& vm_location, const std::string& backing,
                     vmware::VmwareClient& vc, DiskCopyJob& job);
incus::Firmware firmware_of(const nlohmann::json& view);
// Creates the target instance and its extra volumes (or finds the ones this migration created)
// and records each disk's target path. `check` throws Canceled when the step is to stop.
void create_target(state::Store& store, StepReporter& rep, const Parts& p, const std::string& uuid,
                   const std::function<void()>& check);

// A disk copy's progress as events: one `type` event (with the disk and its bytes) each time the
// copy enters a new tenth, so `queue events` stays readable while the status updates every report.
class DecileProgressEvents {
 public:
  DecileProgressEvents(StepReporter& rep, std::string uuid, std::string type, std::string disk)
      : rep_(rep), uuid_(std::move(uuid)), type_(std::move(type)), disk_(std::move(disk)) {}
  void report(const DiskCopyProgress& pr, const std::string& message);

 private:
  StepReporter& rep_;
  std::string uuid_, type_, disk_;
  int last_decile_ = -1;
};

}  // namespace mm::migration::steps_detail
