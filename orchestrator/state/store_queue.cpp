// The migration queue and its event log. The scheduler is the only writer of queue rows; events
// are append-only so a follower can page through them by id.
#include "orchestrator/state/instance_name.h"
#include "orchestrator/state/store.h"

namespace mm::state {
namespace {

constexpr const char* kQueueSelect =
    "SELECT q.instance_uuid, q.batch_id, b.name, i.name, q.status, q.status_message, q.stage, "
    "q.window_name, q.placement, q.data, q.last_update FROM queue q "
    "JOIN batches b ON b.id = q.batch_id JOIN instances i ON i.uuid = q.instance_uuid";

QueueRecord queue_row(const Statement& q) {
  QueueRecord r;
  r.instance_uuid = q.column_text(0);
  r.batch_id = q.column_int(1);
  r.batch_name = q.column_text(2);
  r.instance_name = target_instance_name(q.column_text(3));
  r.status = q.column_text(4);
  r.status_message = q.column_text(5);
  r.stage = q.column_text(6);
  r.window_name = q.column_text(7);
  r.placement = q.column_text(8);
  r.data = q.column_text(9);
  r.last_update = q.column_text(10);
  return r;
}

constexpr const char* kEventColumns =
    "id, instance_uuid, instance_name, batch, time, type, message, data";

QueueEventRecord event_row(const Statement& q) {
  QueueEventRecord e;
  e.id = q.column_int(0);
  e.instance_uuid = q.column_text(1);
  e.instance_name = q.column_text(2);
  e.batch = q.column_text(3);
  e.time = q.column_text(4);
  e.type = q.column_text(5);
  e.message = q.column_text(6);
  e.data = q.column_text(7);
  return e;
}

constexpr const char* kEntryColumns =
    "instance_uuid, batch_id, status, status_message, stage, window_name, placement, data, "
    "last_update";
// Every column but the key, from the numbered parameters bind_entry() sets.
constexpr const char* kEntryAssignments =
    "batch_id = ?2, status = ?3, status_message = ?4, stage = ?5, window_name = ?6, "
    "placement = ?7, data = ?8, last_update = ?9";

Statement& bind_entry(Statement& q, const QueueRecord& r) {
  return q.bind(1, r.instance_uuid)
      .bind(2, r.batch_id)
      .bind(3, r.status)
      .bind(4, r.status_message)
      .bind(5, r.stage)
      .bind(6, r.window_name)
      .bind(7, r.placement)
      .bind(8, r.data)
      .bind(9, r.last_update);
}

// Appends one event; its id is the row id.
int64_t insert_event(Database& db, const QueueEventRecord& e) {
  db.prepare(
        "INSERT INTO queue_events (instance_uuid, instance_name, batch, time, type, message, "
        "data) VALUES (?,?,?,?,?,?,?)")
      .bind(1, e.instance_uuid)
      .bind(2, e.instance_name)
      .bind(3, e.batch)
      .bind(4, e.time)
      .bind(5, e.type)
      .bind(6, e.message)
      .bind(7, e.data)
      .run();
  return sqlite3_last_insert_rowid(db.handle());
}

}  // namespace

std::vector<QueueRecord> Store::list_queue() {
  std::lock_guard lock(mu_);
  Statement q = db_->prepare(std::string(kQueueSelect) + " ORDER BY i.name, q.instance_uuid");
  std::vector<QueueRecord> out;
  while (q.step()) out.push_back(queue_row(q));
  return out;
}

std::vector<QueueRecord> Store::list_queue_for_batch(int64_t batch_id) {
  std::lock_guard lock(mu_);
  Statement q = db_->prepare(std::string(kQueueSelect) +
                             " WHERE q.batch_id = ? ORDER BY i.name, q.instance_uuid");
  q.bind(1, batch_id);
  std::vector<QueueRecord> out;
  while (q.step()) out.push_back(queue_row(q));
  return out;
}

std::optional<QueueRecord> Store::get_queue_entry(const std::string& instance_uuid) {
  std::lock_guard lock(mu_);
  Statement q = db_->prepare(std::string(kQueueSelect) + " WHERE q.instance_uuid = ?");
  q.bind(1, instance_uuid);
  if (!q.step()) return std::nullopt;
  return queue_row(q);
}

void Store::put_queue_entry(const QueueRecord& r) {
  put_queue_entry(r, {});
}

void Store::put_queue_entry(const QueueRecord& r, const std::vector<QueueEventRecord>& events) {
  std::lock_guard lock(mu_);
  Transaction tx(*db_);
  for (const QueueEventRecord& e : events) insert_event(*db_, e);
  Statement q = db_->prepare(std::string("INSERT INTO queue (") + kEntryColumns +
                             ") VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9) ON CONFLICT(instance_uuid) DO "
                             "UPDATE SET " +
                             kEntryAssignments);
  bind_entry(q, r).run();
  tx.commit();
}

bool Store::claim_queue_entry(const QueueRecord& r, const std::vector<QueueEventRecord>& events) {
  std::lock_guard lock(mu_);
  Transaction tx(*db_);
  Statement q = db_->prepare(
      std::string("INSERT INTO queue (") + kEntryColumns +
      ") SELECT ?1,?2,?3,?4,?5,?6,?7,?8,?9 WHERE EXISTS (SELECT 1 FROM batches WHERE id = ?2 AND "
      "status IN ('Queued', 'Running')) AND NOT EXISTS (SELECT 1 FROM queue WHERE "
      "instance_uuid = ?1)");
  bind_entry(q, r).run();
  if (db_->changes() == 0) return false;  // the transaction rolls back
  for (const QueueEventRecord& e : events) insert_event(*db_, e);
  tx.commit();
  return true;
}

bool Store::update_queue_entry(const QueueRecord& r, const std::vector<QueueEventRecord>& events) {
  std::lock_guard lock(mu_);
  Transaction tx(*db_);
  Statement q = db_->prepare(std::string("UPDATE queue SET ") + kEntryAssignments +
                             " WHERE instance_uuid = ?1");
  bind_entry(q, r).run();
  if (db_->changes() == 0) return false;
  for (const QueueEventRecord& e : events) insert_event(*db_, e);
  tx.commit();
  return true;
}

void Store::delete_queue_entry(const std::string& instance_uuid) {
  std::lock_guard lock(mu_);
  db_->prepare("DELETE FROM queue WHERE instance_uuid = ?").bind(1, instance_uuid).run();
}

QueueEventRecord Store::append_queue_event(const QueueEventRecord& e) {
  std::lock_guard lock(mu_);
  QueueEventRecord out = e;
  out.id = insert_event(*db_, e);
  return out;
}

std::vector<QueueEventRecord> Store::list_queue_events(const std::string& instance_uuid,
                                                       int64_t after_id, int64_t limit) {
  std::lock_guard lock(mu_);
  Statement q = db_->prepare(std::string("SELECT ") + kEventColumns +
                             " FROM queue_events WHERE instance_uuid = ? AND id > ? "
                             "ORDER BY id LIMIT ?");
  q.bind(1, instance_uuid).bind(2, after_id).bind(3, limit);
  std::vector<QueueEventRecord> out;
  while (q.step()) out.push_back(event_row(q));
  return out;
}

void Store::delete_queue_events(const std::string& instance_uuid) {
  std::lock_guard lock(mu_);
  db_->prepare("DELETE FROM queue_events WHERE instance_uuid = ?").bind(1, instance_uuid).run();
}

}  // namespace mm::state
