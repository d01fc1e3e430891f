#include "orchestrator/state/schema.h"

#include <filesystem>

namespace mm::state {

const std::vector<Migration>& migrations() {
  // Shapes follow the reference tool's API objects (shared/api: Source, Target, Instance, Network,
  // Warning). Secrets are BLOBs holding AES-GCM ciphertext (secret_box.h), never plain text.
  static const std::vector<Migration> steps = {
      {1, R"sql(
CREATE TABLE sources (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL UNIQUE,
  source_type TEXT NOT NULL,
  endpoint TEXT NOT NULL,
  username TEXT NOT NULL DEFAULT '',
  password_enc BLOB,
  trusted_fingerprint TEXT NOT NULL DEFAULT '',
  import_limit INTEGER NOT NULL DEFAULT 50,
  connectivity_status TEXT NOT NULL DEFAULT 'Unknown'
);
CREATE TABLE targets (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL UNIQUE,
  target_type TEXT NOT NULL,
  endpoint TEXT NOT NULL,
  tls_client_cert TEXT NOT NULL DEFAULT '',
  tls_client_key_enc BLOB,
  oidc_tokens_enc BLOB,
  trusted_fingerprint TEXT NOT NULL DEFAULT '',
  import_limit INTEGER NOT NULL DEFAULT 50,
  create_limit INTEGER NOT NULL DEFAULT 10,
  connection_timeout TEXT NOT NULL DEFAULT '5m0s',
  connectivity_status TEXT NOT NULL DEFAULT 'Unknown'
);
CREATE TABLE certificates (
  fingerprint TEXT PRIMARY KEY,
  name TEXT NOT NULL DEFAULT '',
  certificate TEXT NOT NULL
);
)sql"},
      {2, R"sql(
CREATE TABLE instances (
  uuid TEXT PRIMARY KEY,
  source_id INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
  inventory_path TEXT NOT NULL,
  name TEXT NOT NULL,
  architecture TEXT NOT NULL DEFAULT '',
  os TEXT NOT NULL DEFAULT '',
  os_version TEXT NOT NULL DEFAULT '',
  cpus INTEGER NOT NULL DEFAULT 0,
  memory_bytes INTEGER NOT NULL DEFAULT 0,
  legacy_boot INTEGER NOT NULL DEFAULT 0,
  secure_boot INTEGER NOT NULL DEFAULT 0,
  tpm INTEGER NOT NULL DEFAULT 0,
  background_import INTEGER NOT NULL DEFAULT 0,
  properties TEXT NOT NULL DEFAULT '{}',
  override TEXT NOT NULL DEFAULT '{}',
  missing INTEGER NOT NULL DEFAULT 0,
  last_update_from_source TEXT NOT NULL DEFAULT ''
);
CREATE INDEX instances_source ON instances(source_id);
CREATE TABLE networks (
  uuid TEXT PRIMARY KEY,
  source_id INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
  identifier TEXT NOT NULL,
  type TEXT NOT NULL,
  location TEXT NOT NULL,
  properties TEXT NOT NULL DEFAULT '{}',
  override TEXT NOT NULL DEFAULT '{}',
  missing INTEGER NOT NULL DEFAULT 0,
  UNIQUE (source_id, identifier)
);
CREATE TABLE warnings (
  uuid TEXT PRIMARY KEY,
  status TEXT NOT NULL DEFAULT 'new',
  scope TEXT NOT NULL,
  entity_type TEXT NOT NULL,
  entity TEXT NOT NULL,
  type TEXT NOT NULL,
  messages TEXT NOT NULL DEFAULT '[]',
  count INTEGER NOT NULL DEFAULT 0,
  first_seen_date TEXT NOT NULL,
  last_seen_date TEXT NOT NULL,
  updated_date TEXT NOT NULL,
  UNIQUE (scope, entity_type, entity, type)
);
)sql"},
      {3, R"sql(
CREATE TABLE batches (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL UNIQUE,
  status TEXT NOT NULL DEFAULT 'Defined',
  status_message TEXT NOT NULL DEFAULT '',
  config TEXT NOT NULL DEFAULT '{}',
  start_date TEXT NOT NULL DEFAULT '',
  started_seq INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE queue (
  instance_uuid TEXT PRIMARY KEY REFERENCES instances(uuid) ON DELETE CASCADE,
  batch_id INTEGER NOT NULL REFERENCES batches(id) ON DELETE CASCADE,
  status TEXT NOT NULL,
  status_message TEXT NOT NULL DEFAULT '',
  stage TEXT NOT NULL,
  window_name TEXT NOT NULL DEFAULT '',
  placement TEXT NOT NULL DEFAULT '{}',
  data TEXT NOT NULL DEFAULT '{}',
  last_update TEXT NOT NULL
);
CREATE INDEX queue_batch ON queue(batch_id);
CREATE TABLE queue_events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  instance_uuid TEXT NOT NULL,
  instance_name TEXT NOT NULL,
  batch TEXT NOT NULL,
  time TEXT NOT NULL,
  type TEXT NOT NULL,
  message TEXT NOT NULL DEFAULT '',
  data TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX queue_events_instance ON queue_events(instance_uuid, id);
CREATE TABLE artifacts (
  uuid TEXT PRIMARY KEY,
  type TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  properties TEXT NOT NULL DEFAULT '{}',
  files TEXT NOT NULL DEFAULT '[]',
  last_updated TEXT NOT NULL
);
)sql"},
      // How a source's disks are read (orchestrator/artifacts/disk_access.h).
      {4, R"sql(
ALTER TABLE sources ADD COLUMN disk_access TEXT NOT NULL DEFAULT 'auto';
)sql"},
  };
  return steps;
}

int latest_schema_version() {
  return migrations().back().version;
}

int schema_version(Database& db) {
  db.exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
  Statement q = db.prepare("SELECT MAX(version) FROM schema_version");
  if (!q.step() || q.column_is_null(0)) return 0;
  return static_cast<int>(q.column_int(0));
}

void backup_database(Database& db, const std::string& path) {
  std::error_code ec;
  std::filesystem::remove(path, ec);
  Database dest(path);
  sqlite3_backup* b = sqlite3_backup_init(dest.handle(), "main", db.handle(), "main");
  if (b == nullptr) {
    throw SqliteError(std::string("backup: ") + sqlite3_errmsg(dest.handle()),
                      sqlite3_errcode(dest.handle()));
  }
  // -1: copy every page in one step, so the copy is one snapshot.
  const int rc = sqlite3_backup_step(b, -1);
  sqlite3_backup_finish(b);
  if (rc != SQLITE_DONE) throw SqliteError("backup step: " + std::string(sqlite3_errstr(rc)), rc);
}

int migrate(Database& db, const std::string& backup_path, int target) {
  if (target < 0) target = latest_schema_version();
  const int current = schema_version(db);
  if (current > latest_schema_version()) {
    // A newer daemon wrote this database; running on it could corrupt what we do not know.
    throw std::runtime_error("database schema version " + std::to_string(current) +
                             " is newer than this daemon's " +
                             std::to_string(latest_schema_version()));
  }
  int ran = 0;
  bool backed_up = false;
  for (const Migration& m : migrations()) {
    if (m.version <= current || m.version > target) continue;
    if (!backed_up && current > 0 && !backup_path.empty()) {
      backup_database(db, backup_path);
      backed_up = true;
    }
    Transaction tx(db);
    db.exec(m.sql);
    db.prepare("INSERT INTO schema_version (version) VALUES (?)").bind(1, int64_t{m.version}).run();
    tx.commit();
    ++ran;
  }
  return ran;
}

}  // namespace mm::state
