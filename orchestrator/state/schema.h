#pragma once
// The database schema as a list of numbered forward migrations. A database records the last step
// it ran in schema_version; opening it runs the remaining steps, each in its own transaction, after
// copying the file aside so a failed or regretted upgrade can be undone by hand.
#include <string>
#include <vector>

#include "orchestrator/state/sqlite.h"

namespace mm::state {

struct Migration {
  int version;      // 1, 2, 3, ...: the step brings the schema to this version
  const char* sql;  // statements run in one transaction
};

// All steps in order. Append only: a released step is never edited, a change is a new step.
const std::vector<Migration>& migrations();
int latest_schema_version();

// The version recorded in the database, 0 for a fresh one.
int schema_version(Database& db);

// Runs the steps above the current version up to `target` (default: the latest). When the database
// already holds a schema and a step is pending, it first writes a consistent copy of the database
// to `backup_path` with SQLite's online backup API (an empty backup_path skips it: in-memory
// databases). Returns the number of steps run.
int migrate(Database& db, const std::string& backup_path, int target = -1);

// Copies the whole database into a new file at `path` (replacing it) with the online backup API,
// which sees one consistent snapshot even with WAL frames not yet checkpointed.
void backup_database(Database& db, const std::string& path);

}  // namespace mm::state
