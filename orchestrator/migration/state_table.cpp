#include "orchestrator/migration/state_table.h"

#include <array>
#include <stdexcept>

namespace mm::migration {
namespace {

using S = Stage;
using E = Event;

struct StageInfo {
  Stage stage;
  std::string_view name;
  std::string_view status;
};

constexpr std::array<StageInfo, 20> kStages = {{
    {S::kBlocked, "blocked", "Blocked"},
    {S::kWaitingCreate, "waiting_create", "Waiting"},
    {S::kCreating, "creating", "Creating"},
    {S::kWaitingImport, "waiting_import", "Waiting"},
    {S::kBackgroundImport, "background_import", "Performing background import tasks"},
    {S::kIdle, "idle", "Idle"},
    {S::kTopUp, "top_up", "Performing background import tasks"},
    {S::kFinalImport, "final_import", "Performing final import tasks"},
    {S::kPostMigration, "post_migration", "Performing post-migration steps"},
    {S::kFinished, "finished", "Finished"},
    {S::kError, "error", "Error"},
    {S::kCanceled, "canceled", "Canceled"},
    {S::kConflict, "conflict", "Conflict"},
    {S::kQueued, "queued", "Queued"},
    {S::kExport, "export", "Export"},
    {S::kInspect, "inspect", "Inspect"},
    {S::kWriteVolume, "write_volume", "Write Volume"},
    {S::kGuestFixes, "guest_fixes", "Guest Fixes"},
    {S::kFinalize, "finalize", "Finalize"},
    {S::kCompleted, "completed", "Completed"},
}};

constexpr std::array<std::string_view, 25> kEvents = {
    "unrestricted",  "restricted",    "create_slot",    "created",     "import_slot",
    "import_done",   "top_up_due",    "top_up_done",    "window_open", "source_changed",
    "final_done",    "window_closed", "target_started", "step_failed", "post_retry",
    "batch_stopped", "cancel",        "retry",          "resolve",     "exported",
    "inspected",     "written",       "guest_fixed",    "finalized",   "confirm",
};

}  // namespace

const std::vector<Transition>& state_table() {
  static const std::vector<Transition> table = {
      {S::kBlocked, E::kUnrestricted, "", "", S::kWaitingCreate},
      {S::kWaitingCreate, E::kRestricted, "", "", S::kBlocked},
      {S::kWaitingCreate, E::kCreateSlot, "target below its create limit",
       "place the instance (defaults, then the scriptlet)", S::kCreating},
      {S::kCreating, E::kCreated, "background import supported",
       "target instance and volumes created", S::kWaitingImport},
      {S::kCreating, E::kCreated, "no background import (allowed by override)",
       "target instance and volumes created", S::kIdle},
      {S::kCreating, E::kStepFailed, "", "record the reason", S::kError},
      {S::kCreating, E::kBatchStopped, "", "abandon; creation is repeated idempotently",
       S::kWaitingCreate},
      {S::kWaitingImport, E::kImportSlot, "source and target below their import limits",
       "snapshot, full copy of every disk (changeId *)", S::kBackgroundImport},
      {S::kBackgroundImport, E::kImportDone, "", "store each disk's changeId, remove the snapshot",
       S::kIdle},
      {S::kBackgroundImport, E::kStepFailed, "", "remove the snapshot, record the reason",
       S::kError},
      {S::kBackgroundImport, E::kBatchStopped, "", "stop the workers (checkpoints kept)",
       S::kWaitingImport},
      {S::kIdle, E::kTopUpDue, "background_sync_interval passed or final top-up due",
       "snapshot, copy the areas changed since the stored changeId", S::kTopUp},
      {S::kIdle, E::kWindowOpen,
       "window started, before lockout, boot time fits, capacity and constraints allow",
       "power off the source, snapshot", S::kFinalImport},
      {S::kIdle, E::kSourceChanged, "the source's CPUs, memory, disks or NICs changed", "",
       S::kConflict},
      {S::kTopUp, E::kTopUpDone, "", "store the new changeIds, remove the snapshot", S::kIdle},
      {S::kTopUp, E::kStepFailed, "", "remove the snapshot, record the reason", S::kError},
      {S::kTopUp, E::kBatchStopped, "", "stop the workers", S::kIdle},
      {S::kFinalImport, E::kFinalDone, "",
       "changed areas (or whole disks without CBT) copied, snapshot removed", S::kPostMigration},
      {S::kFinalImport, E::kWindowClosed, "",
       "stop the workers, power the source back on, wait for the next window", S::kIdle},
      {S::kFinalImport, E::kStepFailed, "", "power the source back on, record the reason",
       S::kError},
      {S::kFinalImport, E::kBatchStopped, "", "stop the workers, power the source back on",
       S::kIdle},
      {S::kPostMigration, E::kTargetStarted, "", "target started if the source was running",
       S::kFinished},
      {S::kPostMigration, E::kPostRetry, "post_migration_retries not used up", "",
       S::kPostMigration},
      {S::kPostMigration, E::kStepFailed, "retries used up", "record the reason", S::kError},
      {S::kConflict, E::kResolve, "", "accept the source as it is now", S::kIdle},
      {S::kError, E::kRetry, "not created yet", "", S::kWaitingCreate},
      {S::kError, E::kRetry, "created", "", S::kWaitingImport},
      {S::kCanceled, E::kRetry, "not created yet", "", S::kWaitingCreate},
      {S::kCanceled, E::kRetry, "created", "", S::kWaitingImport},
      {S::kError, E::kRetry, "created and imported, or no background import", "", S::kIdle},
      {S::kCanceled, E::kRetry, "created and imported, or no background import", "", S::kIdle},
      {S::kBlocked, E::kCancel, "", "", S::kCanceled},
      {S::kWaitingCreate, E::kCancel, "", "", S::kCanceled},
      {S::kCreating, E::kCancel, "", "", S::kCanceled},
      {S::kWaitingImport, E::kCancel, "", "", S::kCanceled},
      {S::kBackgroundImport, E::kCancel, "", "stop the workers, remove the snapshot", S::kCanceled},
      {S::kIdle, E::kCancel, "", "", S::kCanceled},
      {S::kTopUp, E::kCancel, "", "stop the workers, remove the snapshot", S::kCanceled},
      {S::kFinalImport, E::kCancel, "", "stop the workers, power the source back on", S::kCanceled},
      {S::kConflict, E::kCancel, "", "", S::kCanceled},
      {S::kError, E::kCancel, "", "", S::kCanceled},
      // Cold migration: one pass, Queued -> Export -> ... -> Completed; any failure powers the
      // source back on.
      {S::kQueued, E::kRestricted, "", "", S::kBlocked},
      {S::kBlocked, E::kUnrestricted, "cold migration", "", S::kQueued},
      {S::kQueued, E::kImportSlot, "source and target below their import limits",
       "place the instance; create the target instance and volumes; power off the source; copy "
       "every disk into its volume",
       S::kExport},
      {S::kExport, E::kExported, "", "record each disk's digest", S::kInspect},
      {S::kInspect, E::kInspected, "",
       "record partition table, firmware and guest OS; set the "
       "target's firmware",
       S::kWriteVolume},
      {S::kWriteVolume, E::kWritten, "", "every volume read back, digest equal to the export's",
       S::kGuestFixes},
      {S::kGuestFixes, E::kGuestFixed, "",
       "virt-v2v-in-place ran, or the reason it was skipped recorded", S::kFinalize},
      {S::kFinalize, E::kFinalized, "", "target configured, disks attached; source left off",
       S::kCompleted},
      {S::kCompleted, E::kConfirm, "", "the user accepts the target; the source stays off",
       S::kFinished},
      {S::kExport, E::kStepFailed, "", "power the source back on, record the stage and reason",
       S::kError},
      {S::kInspect, E::kStepFailed, "", "power the source back on, record the stage and reason",
       S::kError},
      {S::kWriteVolume, E::kStepFailed, "", "power the source back on, record the stage and reason",
       S::kError},
      {S::kGuestFixes, E::kStepFailed, "", "power the source back on, record the stage and reason",
       S::kError},
      {S::kFinalize, E::kStepFailed, "", "power the source back on, record the stage and reason",
       S::kError},
      {S::kExport, E::kBatchStopped, "", "stop the workers, power the source back on", S::kQueued},
      {S::kInspect, E::kBatchStopped, "", "power the source back on", S::kQueued},
      {S::kWriteVolume, E::kBatchStopped, "", "power the source back on", S::kQueued},
      {S::kGuestFixes, E::kBatchStopped, "", "power the source back on", S::kQueued},
      {S::kFinalize, E::kBatchStopped, "", "power the source back on", S::kQueued},
      {S::kError, E::kRetry, "cold migration", "", S::kQueued},
      {S::kCanceled, E::kRetry, "cold migration", "", S::kQueued},
      {S::kQueued, E::kCancel, "", "", S::kCanceled},
      {S::kExport, E::kCancel, "", "stop the workers, power the source back on", S::kCanceled},
      {S::kInspect, E::kCancel, "", "power the source back on", S::kCanceled},
      {S::kWriteVolume, E::kCancel, "", "power the source back on", S::kCanceled},
      {S::kGuestFixes, E::kCancel, "", "power the source back on", S::kCanceled},
      {S::kFinalize, E::kCancel, "", "power the source back on", S::kCanceled},
      {S::kCompleted, E::kCancel, "", "power the source back on (the target is kept)",
       S::kCanceled},
  };
  return table;
}

const Transition& transition(Stage from, Event event, std::string_view guard) {
  for (const Transition& t : state_table()) {
    if (t.from == from && t.event == event && (guard.empty() || t.guard == guard)) return t;
  }
  throw std::logic_error("state table has no move from " + std::string(stage_name(from)) + " on " +
                         std::string(event_name(event)) +
                         (guard.empty() ? "" : " [" + std::string(guard) + "]"));
}

Stage next_stage(Stage from, Event event, std::string_view guard) {
  return transition(from, event, guard).to;
}

std::string_view stage_name(Stage s) {
  return kStages[static_cast<size_t>(s)].name;
}

Stage parse_stage(std::string_view name) {
  for (const StageInfo& i : kStages) {
    if (i.name == name) return i.stage;
  }
  throw std::invalid_argument("unknown migration stage \"" + std::string(name) + "\"");
}

std::string_view event_name(Event e) {
  return kEvents[static_cast<size_t>(e)];
}

std::string_view stage_status(Stage s) {
  return kStages[static_cast<size_t>(s)].status;
}

bool is_terminal(Stage s) {
  return s == S::kFinished || s == S::kError || s == S::kCanceled;
}

bool holds_import_slot(Stage s) {
  return s == S::kBackgroundImport || s == S::kTopUp || s == S::kFinalImport ||
         is_cold_step_stage(s);
}

bool is_cold_step_stage(Stage s) {
  return s == S::kExport || s == S::kInspect || s == S::kWriteVolume || s == S::kGuestFixes ||
         s == S::kFinalize;
}

bool in_final_stages(Stage s) {
  return s == S::kFinalImport || s == S::kPostMigration;
}

}  // namespace mm::migration
