// Artifacts: the rows describing uploaded files (VDDK SDK, drivers, OS images). The files
// themselves live under the daemon's state directory (orchestrator/artifacts); the row lists them.
#include "orchestrator/state/store.h"

namespace mm::state {
namespace {

constexpr const char* kColumns = "uuid, type, description, properties, files, last_updated";

ArtifactRecord row(const Statement& q) {
  ArtifactRecord a;
  a.uuid = q.column_text(0);
  a.type = q.column_text(1);
  a.description = q.column_text(2);
  a.properties = q.column_text(3);
  a.files = q.column_text(4);
  a.last_updated = q.column_text(5);
  return a;
}

std::optional<ArtifactRecord> find(Database& db, const std::string& uuid) {
  Statement q = db.prepare(std::string("SELECT ") + kColumns + " FROM artifacts WHERE uuid = ?");
  q.bind(1, uuid);
  if (!q.step()) return std::nullopt;
  return row(q);
}

StoreError no_such(const std::string& uuid) {
  return StoreError(StoreError::Kind::kNotFound, "artifact \"" + uuid + "\" not found");
}

}  // namespace

std::vector<ArtifactRecord> Store::list_artifacts() {
  std::lock_guard lock(mu_);
  Statement q = db_->prepare(std::string("SELECT ") + kColumns +
                             " FROM artifacts ORDER BY last_updated, uuid");
  std::vector<ArtifactRecord> out;
  while (q.step()) out.push_back(row(q));
  return out;
}

std::optional<ArtifactRecord> Store::get_artifact(const std::string& uuid) {
  std::lock_guard lock(mu_);
  return find(*db_, uuid);
}

ArtifactRecord Store::create_artifact(const ArtifactRecord& a) {
  std::lock_guard lock(mu_);
  Transaction tx(*db_);
  Statement q = db_->prepare(
      "INSERT INTO artifacts (uuid, type, description, properties, files, last_updated) "
      "VALUES (?,?,?,?,?,?)");
  q.bind(1, a.uuid).bind(2, a.type).bind(3, a.description).bind(4, a.properties);
  q.bind(5, a.files).bind(6, a.last_updated);
  try {
    q.run();
  } catch (const SqliteError& e) {
    if (e.is_unique_violation()) {
      throw StoreError(StoreError::Kind::kConflict, "artifact \"" + a.uuid + "\" already exists");
    }
    throw;
  }
  auto out = find(*db_, a.uuid);
  tx.commit();
  return *out;
}

ArtifactRecord Store::update_artifact(const ArtifactRecord& a) {
  std::lock_guard lock(mu_);
  Transaction tx(*db_);
  db_->prepare(
         "UPDATE artifacts SET type = ?, description = ?, properties = ?, files = ?, "
         "last_updated = ? WHERE uuid = ?")
      .bind(1, a.type)
      .bind(2, a.description)
      .bind(3, a.properties)
      .bind(4, a.files)
      .bind(5, a.last_updated)
      .bind(6, a.uuid)
      .run();
  if (db_->changes() == 0) throw no_such(a.uuid);
  auto out = find(*db_, a.uuid);
  tx.commit();
  return *out;
}

void Store::delete_artifact(const std::string& uuid) {
  std::lock_guard lock(mu_);
  db_->prepare("DELETE FROM artifacts WHERE uuid = ?").bind(1, uuid).run();
  if (db_->changes() == 0) throw no_such(uuid);
}

}  // namespace mm::state
