// Warnings: one row per (scope, entity type, entity, type), counted on every occurrence, as the
// reference tool's `warning list` shows them.
#include <algorithm>

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

void Store::replace_warnings(const std::string& scope, const std::string& entity_type,
                             const std::string& entity, const std::vector<WarningRecord>& current,
                             const std::string& now, bool prune) {
  std::lock_guard lock(mu_);
  Transaction tx(*db_);
  Statement up = db_->prepare(
      "INSERT INTO warnings (uuid, status, scope, entity_type, entity, type, messages, count, "
      "first_seen_date, last_seen_date, updated_date) VALUES (?,'new',?,?,?,?,?,?,?,?,?) "
      "ON CONFLICT(scope, entity_type, entity, type) DO UPDATE SET "
      "messages = excluded.messages, count = count + excluded.count, "
      "last_seen_date = excluded.last_seen_date, updated_date = excluded.updated_date");
  std::vector<std::string> types;
  for (const WarningRecord& w : current) {
    if (w.messages.empty()) continue;
    types.push_back(w.type);
    up.bind(1, random_uuid()).bind(2, scope).bind(3, entity_type).bind(4, entity).bind(5, w.type);
    up.bind(6, nlohmann::json(w.messages).dump());
    // The reference counts every message occurrence, so two restricted VMs seen in six syncs
    // read 12.
    up.bind(7, static_cast<int64_t>(w.messages.size()));
    up.bind(8, now).bind(9, now).bind(10, now);
    up.run();
    up.reset();
  }
  if (prune) {
    Statement q = db_->prepare(
        "SELECT uuid, type FROM warnings WHERE scope = ? AND entity_type = ? AND entity = ?");
    q.bind(1, scope).bind(2, entity_type).bind(3, entity);
    std::vector<std::string> stale;
    while (q.step()) {
      const std::string type = q.column_text(1);
      if (std::find(types.begin(), types.end(), type) == types.end()) {
        stale.push_back(q.column_text(0));
      }
    }
    Statement del = db_->prepare("DELETE FROM warnings WHERE uuid = ?");
    for (const std::string& u : stale) {
      del.bind(1, u);
      del.run();
      del.reset();
    }
  }
  tx.commit();
}

}  // namespace mm::state
