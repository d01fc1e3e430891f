// Warnings: one row per (scope, entity type, entity, type), counted on every occurrence, as the
// reference tool's `warning list` shows them.
#include <nlohmann/json.hpp>

#include "orchestrator/state/store.h"
#include "orchestrator/state/uuid.h"

namespace mm::state {
namespace {

constexpr const char* kColumns =
    "uuid, status, scope, entity_type, entity, type, messages, count, first_seen_date, "
    "last_seen_date, updated_date";

WarningRecord row(const Statement& q) {
  WarningRecord w;
  w.uuid = q.column_text(0);
  w.status = q.column_text(1);
  w.scope = q.column_text(2);
  w.entity_type = q.column_text(3);
  w.entity = q.column_text(4);
  w.type = q.column_text(5);
  w.messages = nlohmann::json::parse(q.column_text(6)).get<std::vector<std::string>>();
  w.count = q.column_int(7);
  w.first_seen_date = q.column_text(8);
  w.last_seen_date = q.column_text(9);
  w.updated_date = q.column_text(10);
  return w;
}

}  // namespace

WarningRecord Store::record_warning(const WarningRecord& w, const std::string& now) {
  std::lock_guard lock(mu_);
  Transaction tx(*db_);
  const std::string messages = nlohmann::json(w.messages).dump();
  db_->prepare(
         "INSERT INTO warnings (uuid, status, scope, entity_type, entity, type, messages, count, "
         "first_seen_date, last_seen_date, updated_date) VALUES (?,'new',?,?,?,?,?,1,?,?,?) "
         "ON CONFLICT(scope, entity_type, entity, type) DO UPDATE SET "
         "messages = excluded.messages, count = count + 1, "
         "last_seen_date = excluded.last_seen_date, updated_date = excluded.updated_date")
      .bind(1, random_uuid())
      .bind(2, w.scope)
      .bind(3, w.entity_type)
      .bind(4, w.entity)
      .bind(5, w.type)
      .bind(6, messages)
      .bind(7, now)
      .bind(8, now)
      .bind(9, now)
      .run();
  Statement q = db_->prepare(std::string("SELECT ") + kColumns +
                             " FROM warnings WHERE scope = ? AND entity_type = ? AND entity = ? "
                             "AND type = ?");
  q.bind(1, w.scope).bind(2, w.entity_type).bind(3, w.entity).bind(4, w.type);
  q.step();
  WarningRecord out = row(q);
  tx.commit();
  return out;
}

std::optional<WarningRecord> Store::get_warning(const std::string& uuid) {
  std::lock_guard lock(mu_);
  Statement q = db_->prepare(std::string("SELECT ") + kColumns + " FROM warnings WHERE uuid = ?");
  q.bind(1, uuid);
  if (!q.step()) return std::nullopt;
  return row(q);
}

std::vector<WarningRecord> Store::list_warnings() {
  std::lock_guard lock(mu_);
  Statement q =
      db_->prepare(std::string("SELECT ") + kColumns + " FROM warnings ORDER BY updated_date DESC");
  std::vector<WarningRecord> out;
  while (q.step()) out.push_back(row(q));
  return out;
}

void Store::set_warning_status(const std::string& uuid, const std::string& status) {
  std::lock_guard lock(mu_);
  db_->prepare("UPDATE warnings SET status = ? WHERE uuid = ?").bind(1, status).bind(2, uuid).run();
  if (db_->changes() == 0) {
    throw StoreError(StoreError::Kind::kNotFound, "warning \"" + uuid + "\" not found");
  }
}

}  // namespace mm::state
