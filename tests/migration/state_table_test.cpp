// The state table in docs/migration-state-machine.md is the one the code follows, row for row, and
// the table itself is whole: every stage is reachable and every non-terminal stage can be left.
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>

#include "orchestrator/migration/state_table.h"

namespace mm::migration {
namespace {

std::string render_table() {
  std::ostringstream out;
  out << "| state | event | guard | action | next state |\n|---|---|---|---|---|\n";
  for (const Transition& t : state_table()) {
    out << "| " << stage_name(t.from) << " | " << event_name(t.event) << " | " << t.guard << " | "
        << t.action << " | " << stage_name(t.to) << " |\n";
  }
  return out.str();
}

TEST(StateTable, TheDocumentShowsExactlyTheTableTheCodeFollows) {
  std::ifstream in(MM_SOURCE_DIR "/docs/migration-state-machine.md");
  ASSERT_TRUE(in) << "docs/migration-state-machine.md is missing";
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string doc = ss.str();
  const std::string begin = "<!-- state-table:begin -->\n", end = "<!-- state-table:end -->";
  const size_t b = doc.find(begin), e = doc.find(end);
  ASSERT_NE(b, std::string::npos);
  ASSERT_NE(e, std::string::npos);
  EXPECT_EQ(doc.substr(b + begin.size(), e - b - begin.size()), render_table())
      << "paste this table between the markers:\n"
      << render_table();
}

TEST(StateTable, EveryStageIsReachableAndEveryActiveStageCanBeLeft) {
  std::set<Stage> reached = {Stage::kWaitingCreate, Stage::kBlocked};  // where claiming puts them
  std::set<Stage> left;
  for (const Transition& t : state_table()) {
    reached.insert(t.to);
    left.insert(t.from);
  }
  reached.insert(Stage::kQueued);  // where claiming puts a cold migration
  for (int i = 0; i <= static_cast<int>(Stage::kCompleted); ++i) {
    const Stage s = static_cast<Stage>(i);
    EXPECT_TRUE(reached.count(s)) << stage_name(s);
    if (s != Stage::kFinished) {
      EXPECT_TRUE(left.count(s)) << stage_name(s) << " is a dead end";
    }
    EXPECT_EQ(parse_stage(stage_name(s)), s);
  }
}

TEST(StateTable, AMoveTheTableDoesNotHaveIsRefused) {
  EXPECT_THROW(next_stage(Stage::kFinished, Event::kWindowOpen), std::logic_error);
  EXPECT_THROW(next_stage(Stage::kIdle, Event::kImportDone), std::logic_error);
  EXPECT_EQ(next_stage(Stage::kCreating, Event::kCreated, "background import supported"),
            Stage::kWaitingImport);
  EXPECT_EQ(
      next_stage(Stage::kCreating, Event::kCreated, "no background import (allowed by override)"),
      Stage::kIdle);
}

TEST(StateTable, EveryColdStageFailsToErrorAndTheColdPathIsOneLine) {
  Stage s = next_stage(Stage::kQueued, Event::kImportSlot);
  EXPECT_EQ(s, Stage::kExport);
  for (Event e : {Event::kExported, Event::kInspected, Event::kWritten, Event::kGuestFixed,
                  Event::kFinalized}) {
    EXPECT_TRUE(is_cold_step_stage(s));
    EXPECT_TRUE(holds_import_slot(s));
    EXPECT_EQ(next_stage(s, Event::kStepFailed), Stage::kError) << stage_name(s);
    EXPECT_EQ(next_stage(s, Event::kBatchStopped), Stage::kQueued) << stage_name(s);
    s = next_stage(s, e);
  }
  EXPECT_EQ(s, Stage::kCompleted);
  EXPECT_FALSE(holds_import_slot(s));
  EXPECT_EQ(next_stage(s, Event::kConfirm), Stage::kFinished);
  EXPECT_EQ(next_stage(Stage::kBlocked, Event::kUnrestricted, "cold migration"), Stage::kQueued);
  EXPECT_EQ(next_stage(Stage::kError, Event::kRetry, "cold migration"), Stage::kQueued);
  EXPECT_THROW(next_stage(Stage::kExport, Event::kFinalized), std::logic_error);
}

TEST(StateTable, EveryActiveStageCanBeCanceledExceptPostMigration) {
  for (Stage s : {Stage::kBlocked, Stage::kWaitingCreate, Stage::kCreating, Stage::kWaitingImport,
                  Stage::kBackgroundImport, Stage::kIdle, Stage::kTopUp, Stage::kFinalImport,
                  Stage::kConflict, Stage::kError, Stage::kQueued, Stage::kExport, Stage::kInspect,
                  Stage::kWriteVolume, Stage::kGuestFixes, Stage::kFinalize, Stage::kCompleted}) {
    EXPECT_EQ(next_stage(s, Event::kCancel), Stage::kCanceled) << stage_name(s);
  }
}

}  // namespace
}  // namespace mm::migration
