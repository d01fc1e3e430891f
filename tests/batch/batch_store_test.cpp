// The batch rows of the store: create, read, rename, conflicts, the status the scheduler moves,
// the start order that decides which batch claims a shared instance, and cascading deletes.
#include <gtest/gtest.h>

#include "orchestrator/state/store.h"
#include "tests/batch/doc_inventory.h"

namespace mm::state {
namespace {

BatchRecord batch(const std::string& name) {
  BatchRecord b;
  b.name = name;
  b.config = R"({"include_expression":"true"})";
  return b;
}

TEST(BatchStore, CreateGetListUpdateDelete) {
  auto store = Store::in_memory();
  const BatchRecord a = store->create_batch(batch("b2"));
  const BatchRecord b = store->create_batch(batch("b1"));
  EXPECT_GT(a.id, 0);
  EXPECT_NE(a.id, b.id);
  EXPECT_EQ(a.status, "Defined");
  EXPECT_EQ(a.config, R"({"include_expression":"true"})");
  EXPECT_EQ(a.start_date, "");
  EXPECT_EQ(a.started_seq, 0);
  const auto all = store->list_batches();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].name, "b1");  // by name
  EXPECT_EQ(store->get_batch("b2")->id, a.id);
  EXPECT_EQ(store->get_batch_by_id(b.id)->name, "b1");
  EXPECT_FALSE(store->get_batch("nope"));
  EXPECT_FALSE(store->get_batch_by_id(999));

  try {
    store->create_batch(batch("b1"));
    FAIL();
  } catch (const StoreError& e) {
    EXPECT_EQ(e.kind(), StoreError::Kind::kConflict);
    EXPECT_STREQ(e.what(), "batch \"b1\" already exists");
  }

  // update: name and config only; status stays the scheduler's.
  store->set_batch_status(a.id, "Running", "1 of 2");
  BatchRecord changed = batch("b3");
  changed.config = "{}";
  changed.status = "Defined";
  const BatchRecord u = store->update_batch("b2", changed);
  EXPECT_EQ(u.id, a.id);
  EXPECT_EQ(u.name, "b3");
  EXPECT_EQ(u.config, "{}");
  EXPECT_EQ(u.status, "Running");
  EXPECT_EQ(u.status_message, "1 of 2");
  EXPECT_THROW(store->update_batch("b3", batch("b1")), StoreError);
  try {
    store->update_batch("b2", batch("x"));
    FAIL();
  } catch (const StoreError& e) {
    EXPECT_EQ(e.kind(), StoreError::Kind::kNotFound);
  }

  store->delete_batch("b3");
  EXPECT_FALSE(store->get_batch("b3"));
  EXPECT_THROW(store->delete_batch("b3"), StoreError);
}

TEST(BatchStore, StartOrderAndResetForgetsIt) {
  auto store = Store::in_memory();
  const int64_t one = store->create_batch(batch("one")).id;
  const int64_t two = store->create_batch(batch("two")).id;
  BatchRecord s2 = store->mark_batch_started("two", "2025-12-01T00:00:00Z");
  EXPECT_EQ(s2.started_seq, 1);
  EXPECT_EQ(s2.start_date, "2025-12-01T00:00:00Z");
  BatchRecord s1 = store->mark_batch_started("one", "2025-12-01T00:05:00Z");
  EXPECT_EQ(s1.started_seq, 2);
  // A restart after a stop keeps the first start.
  s2 = store->mark_batch_started("two", "2025-12-02T00:00:00Z");
  EXPECT_EQ(s2.started_seq, 1);
  EXPECT_EQ(s2.start_date, "2025-12-01T00:00:00Z");
  EXPECT_THROW(store->mark_batch_started("three", "x"), StoreError);

  store->set_batch_status(two, "Stopped", "Stopped");
  EXPECT_EQ(store->get_batch("two")->started_seq, 1);
  store->set_batch_status(two, "Defined", "Defined");  // a reset
  const BatchRecord reset = *store->get_batch("two");
  EXPECT_EQ(reset.status, "Defined");
  EXPECT_EQ(reset.started_seq, 0);
  EXPECT_EQ(reset.start_date, "");
  EXPECT_EQ(store->mark_batch_started("two", "2025-12-03T00:00:00Z").started_seq, 3);
  EXPECT_EQ(store->get_batch_by_id(one)->started_seq, 2);
}

TEST(BatchStore, DeletingABatchDropsItsQueueEntries) {
  auto store = Store::in_memory();
  test::load_doc_inventory_000(*store);
  const BatchRecord b = store->create_batch(batch("b"));
  QueueRecord q;
  q.instance_uuid = "52cfcb6b-20ee-add3-adc9-68c63ca9adfd";
  q.batch_id = b.id;
  q.status = "Waiting";
  q.stage = "waiting";
  q.last_update = "2025-12-01T00:00:00Z";
  store->put_queue_entry(q);
  ASSERT_EQ(store->list_queue_for_batch(b.id).size(), 1u);
  store->delete_batch("b");
  EXPECT_TRUE(store->list_queue().empty());
}

}  // namespace
}  // namespace mm::state
