// Schema migrations: a database left at an older version is backed up, then brought forward with
// its data intact; a fresh one gets the latest schema without a backup.
#include <gtest/gtest.h>

#include <filesystem>

#include "orchestrator/state/schema.h"
#include "orchestrator/state/store.h"
#include "tests/support/servers.h"

namespace mm::state {
namespace {

int count_rows(Database& db, const std::string& sql) {
  Statement q = db.prepare(sql);
  q.step();
  return static_cast<int>(q.column_int(0));
}

TEST(Schema, StepsAreNumberedInOrder) {
  int expect = 1;
  for (const Migration& m : migrations()) EXPECT_EQ(m.version, expect++);
  EXPECT_EQ(latest_schema_version(), expect - 1);
}

TEST(Schema, FreshDatabaseGetsLatestWithoutBackup) {
  test::TempDir dir;
  auto store = Store::open_dir(dir.path());
  Database db(dir.file("state.db"));
  EXPECT_EQ(schema_version(db), latest_schema_version());
  EXPECT_FALSE(std::filesystem::exists(dir.file("state.db.v0.backup")));
}

TEST(Schema, OlderDatabaseIsBackedUpThenMigrated) {
  test::TempDir dir;
  const std::string path = dir.file("state.db");
  {
    // Bring a database to version 1 only and store a row the way a v1 daemon would.
    Database db(path);
    db.exec("PRAGMA journal_mode=WAL");
    ASSERT_EQ(migrate(db, "", 1), 1);
    db.exec(
        "INSERT INTO sources (name, source_type, endpoint, username) "
        "VALUES ('esxi01', 'vmware', 'https://10.10.0.3', 'user')");
  }
  auto store = Store::open_dir(dir.path());
  auto src = store->get_source("esxi01");
  ASSERT_TRUE(src);
  EXPECT_EQ(src->endpoint, "https://10.10.0.3");
  EXPECT_TRUE(store->list_instances().empty());  // the v2 table exists now

  const std::string backup = dir.file("state.db.v1.backup");
  ASSERT_TRUE(std::filesystem::exists(backup));
  Database b(backup);
  EXPECT_EQ(schema_version(b), 1);
  EXPECT_EQ(count_rows(b, "SELECT COUNT(*) FROM sources WHERE name = 'esxi01'"), 1);
  EXPECT_EQ(count_rows(b, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'instances'"), 0);

  Database now(path);
  EXPECT_EQ(schema_version(now), latest_schema_version());
}

TEST(Schema, NewerDatabaseIsRefused) {
  test::TempDir dir;
  {
    Database db(dir.file("state.db"));
    migrate(db, "");
    db.prepare("INSERT INTO schema_version (version) VALUES (?)")
        .bind(1, int64_t{latest_schema_version() + 1})
        .run();
  }
  EXPECT_THROW(Store::open_dir(dir.path()), std::runtime_error);
}

TEST(Schema, ForeignKeysAndWalAreOn) {
  test::TempDir dir;
  auto store = Store::open_dir(dir.path());
  InstanceRecord orphan;
  orphan.uuid = "52cfcb6b-20ee-add3-adc9-68c63ca9adfd";
  orphan.source_id = 999;  // no such source
  orphan.inventory_path = "/ha-datacenter/vm/Win2016";
  orphan.name = "Win2016";
  EXPECT_THROW(store->upsert_instance(orphan), SqliteError);
  Database db(dir.file("state.db"));
  Statement q = db.prepare("PRAGMA journal_mode");
  ASSERT_TRUE(q.step());
  EXPECT_EQ(q.column_text(0), "wal");
}

}  // namespace
}  // namespace mm::state
