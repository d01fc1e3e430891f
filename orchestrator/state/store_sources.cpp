// Sources: the VMware endpoints the daemon imports from. The password is sealed before it is bound
// and is never read back into a SourceRecord.
#include "orchestrator/state/store.h"

namespace mm::state {
namespace {

constexpr const char* kPasswordContext = "mm/source/password";
constexpr const char* kColumns =
    "id, name, source_type, endpoint, username, password_enc IS NOT NULL, trusted_fingerprint, "
    "import_limit, connectivity_status, disk_access";

SourceRecord row(const Statement& q) {
  SourceRecord s;
  s.id = q.column_int(0);
  s.name = q.column_text(1);
  s.source_type = q.column_text(2);
  s.endpoint = q.column_text(3);
  s.username = q.column_text(4);
  s.has_password = q.column_int(5) != 0;
  s.trusted_fingerprint = q.column_text(6);
  s.import_limit = q.column_int(7);
  s.connectivity_status = q.column_text(8);
  s.disk_access = q.column_text(9);
  return s;
}

std::optional<SourceRecord> find(Database& db, const std::string& name) {
  Statement q = db.prepare(std::string("SELECT ") + kColumns + " FROM sources WHERE name = ?");
  q.bind(1, name);
  if (!q.step()) return std::nullopt;
  return row(q);
}

StoreError name_taken(const std::string& name) {
  return StoreError(StoreError::Kind::kConflict, "source \"" + name + "\" already exists");
}

StoreError no_such(const std::string& name) {
  return StoreError(StoreError::Kind::kNotFound, "source \"" + name + "\" not found");
}

}  // namespace

std::vector<SourceRecord> Store::list_sources() {
  std::lock_guard lock(mu_);
  Statement q = db_->prepare(std::string("SELECT ") + kColumns + " FROM sources ORDER BY name");
  std::vector<SourceRecord> out;
  while (q.step()) out.push_back(row(q));
  return out;
}

std::optional<SourceRecord> Store::get_source(const std::string& name) {
  std::lock_guard lock(mu_);
  return find(*db_, name);
}

SourceRecord Store::create_source(const SourceRecord& s) {
  std::lock_guard lock(mu_);
  Transaction tx(*db_);
  Statement q = db_->prepare(
      "INSERT INTO sources (name, source_type, endpoint, username, password_enc, "
      "trusted_fingerprint, import_limit, connectivity_status, disk_access) "
      "VALUES (?,?,?,?,?,?,?,?,?)");
  q.bind(1, s.name).bind(2, s.source_type).bind(3, s.endpoint).bind(4, s.username);
  if (s.password) {
    q.bind_blob(5, box_.seal(*s.password, kPasswordContext));
  } else {
    q.bind_null(5);
  }
  q.bind(6, s.trusted_fingerprint).bind(7, s.import_limit).bind(8, s.connectivity_status);
  q.bind(9, s.disk_access);
  try {
    q.run();
  } catch (const SqliteError& e) {
    if (e.is_unique_violation()) throw name_taken(s.name);
    throw;
  }
  auto out = find(*db_, s.name);
  tx.commit();
  return *out;
}

SourceRecord Store::update_source(const std::string& name, const SourceRecord& s) {
  std::lock_guard lock(mu_);
  Transaction tx(*db_);
  if (!find(*db_, name)) throw no_such(name);
  Statement q = db_->prepare(
      "UPDATE sources SET name = ?, source_type = ?, endpoint = ?, username = ?, "
      "trusted_fingerprint = ?, import_limit = ?, connectivity_status = ?, disk_access = ? "
      "WHERE name = ?");
  q.bind(1, s.name).bind(2, s.source_type).bind(3, s.endpoint).bind(4, s.username);
  q.bind(5, s.trusted_fingerprint).bind(6, s.import_limit).bind(7, s.connectivity_status);
  q.bind(8, s.disk_access).bind(9, name);
  try {
    q.run();
  } catch (const SqliteError& e) {
    if (e.is_unique_violation()) throw name_taken(s.name);
    throw;
  }
  if (s.password) {
    db_->prepare("UPDATE sources SET password_enc = ? WHERE name = ?")
        .bind_blob(1, box_.seal(*s.password, kPasswordContext))
        .bind(2, s.name)
        .run();
  }
  auto out = find(*db_, s.name);
  tx.commit();
  return *out;
}

void Store::delete_source(const std::string& name) {
  std::lock_guard lock(mu_);
  db_->prepare("DELETE FROM sources WHERE name = ?").bind(1, name).run();
  if (db_->changes() == 0) throw no_such(name);
}

std::string Store::source_password(const std::string& name) {
  std::lock_guard lock(mu_);
  Statement q = db_->prepare("SELECT password_enc FROM sources WHERE name = ?");
  q.bind(1, name);
  if (!q.step()) throw no_such(name);
  if (q.column_is_null(0)) return "";
  return box_.open(q.column_blob(0), kPasswordContext);
}

void Store::set_source_status(int64_t id, const std::string& status) {
  std::lock_guard lock(mu_);
  db_->prepare("UPDATE sources SET connectivity_status = ? WHERE id = ?")
      .bind(1, status)
      .bind(2, id)
      .run();
}

}  // namespace mm::state
