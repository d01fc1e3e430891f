// Batches: the user's body as JSON in `config` (orchestrator/batch reads it), the columns the
// scheduler moves (status, start order). Deleting a batch takes its queue rows with it (ON DELETE
// CASCADE); setting it back to Defined forgets that it was ever started.
#include "orchestrator/state/store.h"

namespace mm::state {
namespace {

constexpr const char* kColumns =
    "id, name, status, status_message, config, start_date, started_seq";

BatchRecord row(const Statement& q) {
  BatchRecord b;
  b.id = q.column_int(0);
  b.name = q.column_text(1);
  b.status = q.column_text(2);
  b.status_message = q.column_text(3);
  b.config = q.column_text(4);
  b.start_date = q.column_text(5);
  b.started_seq = q.column_int(6);
  return b;
}

std::optional<BatchRecord> find(Database& db, const char* where, const auto& key) {
  Statement q = db.prepare(std::string("SELECT ") + kColumns + " FROM batches WHERE " + where);
  q.bind(1, key);
  if (!q.step()) return std::nullopt;
  return row(q);
}

StoreError name_taken(const std::string& name) {
  return StoreError(StoreError::Kind::kConflict, "batch \"" + name + "\" already exists");
}

StoreError no_such(const std::string& name) {
  return StoreError(StoreError::Kind::kNotFound, "batch \"" + name + "\" not found");
}

}  // namespace

std::vector<BatchRecord> Store::list_batches() {
  std::lock_guard lock(mu_);
  Statement q = db_->prepare(std::string("SELECT ") + kColumns + " FROM batches ORDER BY name");
  std::vector<BatchRecord> out;
  while (q.step()) out.push_back(row(q));
  return out;
}

std::optional<BatchRecord> Store::get_batch(const std::string& name) {
  std::lock_guard lock(mu_);
  return find(*db_, "name = ?", name);
}

std::optional<BatchRecord> Store::get_batch_by_id(int64_t id) {
  std::lock_guard lock(mu_);
  return find(*db_, "id = ?", id);
}

BatchRecord Store::create_batch(const BatchRecord& b) {
  std::lock_guard lock(mu_);
  Transaction tx(*db_);
  Statement q = db_->prepare(
      "INSERT INTO batches (name, status, status_message, config, start_date, started_seq) "
      "VALUES (?,?,?,?,?,?)");
  q.bind(1, b.name).bind(2, b.status).bind(3, b.status_message).bind(4, b.config);
  q.bind(5, b.start_date).bind(6, b.started_seq);
  try {
    q.run();
  } catch (const SqliteError& e) {
    if (e.is_unique_violation()) throw name_taken(b.name);
    throw;
  }
  auto out = find(*db_, "id = ?", db_->last_insert_rowid());
  tx.commit();
  return *out;
}

BatchRecord Store::update_batch(const std::string& name, const BatchRecord& b) {
  std::lock_guard lock(mu_);
  Transaction tx(*db_);
  auto current = find(*db_, "name = ?", name);
  if (!current) throw no_such(name);
  try {
    db_->prepare("UPDATE batches SET name = ?, config = ? WHERE id = ?")
        .bind(1, b.name)
        .bind(2, b.config)
        .bind(3, current->id)
        .run();
  } catch (const SqliteError& e) {
    if (e.is_unique_violation()) throw name_taken(b.name);
    throw;
  }
  auto out = find(*db_, "id = ?", current->id);
  tx.commit();
  return *out;
}

void Store::delete_batch(const std::string& name) {
  std::lock_guard lock(mu_);
  db_->prepare("DELETE FROM batches WHERE name = ?").bind(1, name).run();
  if (db_->changes() == 0) throw no_such(name);
}

void Store::set_batch_status(int64_t id, const std::string& status, const std::string& message) {
  std::lock_guard lock(mu_);
  // Back to Defined (a reset): the next start is a first start again, with a new claim order.
  db_->prepare(
         "UPDATE batches SET status = ?1, status_message = ?2, "
         "start_date = CASE WHEN ?1 = 'Defined' THEN '' ELSE start_date END, "
         "started_seq = CASE WHEN ?1 = 'Defined' THEN 0 ELSE started_seq END WHERE id = ?3")
      .bind(1, status)
      .bind(2, message)
      .bind(3, id)
      .run();
}

BatchRecord Store::mark_batch_started(const std::string& name, const std::string& now) {
  std::lock_guard lock(mu_);
  Transaction tx(*db_);
  auto current = find(*db_, "name = ?", name);
  if (!current) throw no_such(name);
  db_->prepare(
         "UPDATE batches SET "
         "start_date = CASE WHEN start_date = '' THEN ?1 ELSE start_date END, "
         "started_seq = CASE WHEN started_seq = 0 "
         "THEN (SELECT COALESCE(MAX(started_seq), 0) + 1 FROM batches) ELSE started_seq END "
         "WHERE id = ?2")
      .bind(1, now)
      .bind(2, current->id)
      .run();
  auto out = find(*db_, "id = ?", current->id);
  tx.commit();
  return *out;
}

}  // namespace mm::state
