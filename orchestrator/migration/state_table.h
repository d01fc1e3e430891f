#pragma once
// The per-instance migration state machine, written down once as a table (state, event, guard,
// action, next state). The scheduler moves an instance only through next_stage(), which refuses any
// move the table does not list, and docs/migration-state-machine.md shows the same table (a test
// compares them).
#include <string>
#include <string_view>
#include <vector>

namespace mm::migration {

enum class Stage {
  kBlocked,           // a restriction holds (unknown OS, no IPv4, no background import, disks)
  kWaitingCreate,     // waiting for the target's create limit
  kCreating,          // placing and creating the target instance and volumes
  kWaitingImport,     // created; waiting for source / target import capacity
  kBackgroundImport,  // first full copy while the source runs
  kIdle,              // copied; waiting for the next top-up or the migration window
  kTopUp,             // copying what changed since the last sync, source still running
  kFinalImport,       // source powered off, last sync
  kPostMigration,     // starting the target
  kFinished,
  kError,
  kCanceled,
  kConflict,  // the source instance changed since it was queued
  // Cold migration (docs/cold-migration.md): one pass with the source powered off.
  kQueued,       // accepted; waiting for the source's and target's import limits
  kExport,       // source powered off, target created, every disk copied into its volume
  kInspect,      // the copied root disk read: partition table, firmware, guest OS
  kWriteVolume,  // every written volume read back and checked against the export's digest
  kGuestFixes,   // virt-v2v-in-place, when installed and a guest OS was found
  kFinalize,     // target configured from the inspection, disks attached
  kCompleted,    // target ready; the source stays off until the user confirms
};

enum class Event {
  kUnrestricted,  // restrictions lifted (batch overrides, instance override)
  kRestricted,    // a restriction appeared before the instance was created
  kCreateSlot,    // the target may create one more instance
  kCreated,
  kImportSlot,  // source and target may import one more instance
  kImportDone,
  kTopUpDue,  // background_sync_interval passed, or the final top-up is due
  kTopUpDone,
  kWindowOpen,     // a migration window started and every constraint allows the cutover
  kSourceChanged,  // detected at cutover
  kFinalDone,
  kWindowClosed,   // the window ended (or its lockout passed) before the final import finished
  kTargetStarted,  // post-migration steps done
  kStepFailed,     // a step failed for good (after its retries)
  kPostRetry,      // a post-migration step failed, retries remain
  kBatchStopped,   // the batch was stopped: running work is abandoned, resumable
  kCancel,
  kRetry,
  kResolve,
  kExported,    // cold: every disk copied
  kInspected,   // cold: the root disk inspected
  kWritten,     // cold: every volume verified
  kGuestFixed,  // cold: guest fixes applied or skipped (said which)
  kFinalized,   // cold: target configured
  kConfirm,     // cold: the user accepts the migrated instance (`queue confirm`)
};

struct Transition {
  Stage from;
  Event event;
  std::string_view guard;   // "" = always; otherwise a condition the scheduler evaluated
  std::string_view action;  // what happens on the way
  Stage to;
};

const std::vector<Transition>& state_table();

// The row for (from, event, guard), or throws std::logic_error: the code cannot make a move the
// table does not have.
const Transition& transition(Stage from, Event event, std::string_view guard = "");
Stage next_stage(Stage from, Event event, std::string_view guard = "");

std::string_view stage_name(Stage s);      // "background_import"
Stage parse_stage(std::string_view name);  // throws std::invalid_argument
std::string_view event_name(Event e);      // "window_open"
// The status the queue shows ("Performing background import tasks").
std::string_view stage_status(Stage s);
bool is_terminal(Stage s);  // finished, error, canceled
// Stages during which the instance holds an import slot of its source and target.
bool holds_import_slot(Stage s);
// Stages counted by a constraint's max_concurrent_instances (final or post-migration).
bool in_final_stages(Stage s);
// Export, Inspect, Write Volume, Guest Fixes, Finalize: a cold step runs.
bool is_cold_step_stage(Stage s);

}  // namespace mm::migration
