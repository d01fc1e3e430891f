// Targets: the Incus endpoints the daemon migrates to. The client key and OIDC tokens are sealed
// before they are bound and never read back into a TargetRecord.
#include "orchestrator/state/store.h"

namespace mm::state {
namespace {

constexpr const char* kKeyContext = "mm/target/tls_client_key";
constexpr const char* kTokensContext = "mm/target/oidc_tokens";
constexpr const char* kColumns =
    "id, name, target_type, endpoint, tls_client_cert, tls_client_key_enc IS NOT NULL, "
    "oidc_tokens_enc IS NOT NULL, trusted_fingerprint, import_limit, create_limit, "
    "connection_timeout, connectivity_status";

TargetRecord row(const Statement& q) {
  TargetRecord t;
  t.id = q.column_int(0);
  t.name = q.column_text(1);
  t.target_type = q.column_text(2);
  t.endpoint = q.column_text(3);
  t.tls_client_cert = q.column_text(4);
  t.has_tls_client_key = q.column_int(5) != 0;
  t.has_oidc_tokens = q.column_int(6) != 0;
  t.trusted_fingerprint = q.column_text(7);
  t.import_limit = q.column_int(8);
  t.create_limit = q.column_int(9);
  t.connection_timeout = q.column_text(10);
  t.connectivity_status = q.column_text(11);
  return t;
}

std::optional<TargetRecord> find(Database& db, const std::string& name) {
  Statement q = db.prepare(std::string("SELECT ") + kColumns + " FROM targets WHERE name = ?");
  q.bind(1, name);
  if (!q.step()) return std::nullopt;
  return row(q);
}

StoreError name_taken(const std::string& name) {
  return StoreError(StoreError::Kind::kConflict, "target \"" + name + "\" already exists");
}

StoreError no_such(const std::string& name) {
  return StoreError(StoreError::Kind::kNotFound, "target \"" + name + "\" not found");
}

void bind_secret(Statement& q, int pos, const std::optional<std::string>& v, const SecretBox& box,
                 const char* context) {
  if (v) {
    q.bind_blob(pos, box.seal(*v, context));
  } else {
    q.bind_null(pos);
  }
}

}  // namespace

std::vector<TargetRecord> Store::list_targets() {
  std::lock_guard lock(mu_);
  Statement q = db_->prepare(std::string("SELECT ") + kColumns + " FROM targets ORDER BY name");
  std::vector<TargetRecord> out;
  while (q.step()) out.push_back(row(q));
  return out;
}

std::optional<TargetRecord> Store::get_target(const std::string& name) {
  std::lock_guard lock(mu_);
  return find(*db_, name);
}

TargetRecord Store::create_target(const TargetRecord& t) {
  std::lock_guard lock(mu_);
  Transaction tx(*db_);
  Statement q = db_->prepare(
      "INSERT INTO targets (name, target_type, endpoint, tls_client_cert, tls_client_key_enc, "
      "oidc_tokens_enc, trusted_fingerprint, import_limit, create_limit, connection_timeout, "
      "connectivity_status) VALUES (?,?,?,?,?,?,?,?,?,?,?)");
  q.bind(1, t.name).bind(2, t.target_type).bind(3, t.endpoint).bind(4, t.tls_client_cert);
  bind_secret(q, 5, t.tls_client_key, box_, kKeyContext);
  bind_secret(q, 6, t.oidc_tokens, box_, kTokensContext);
  q.bind(7, t.trusted_fingerprint).bind(8, t.import_limit).bind(9, t.create_limit);
  q.bind(10, t.connection_timeout).bind(11, t.connectivity_status);
  try {
    q.run();
  } catch (const SqliteError& e) {
    if (e.is_unique_violation()) throw name_taken(t.name);
    throw;
  }
  auto out = find(*db_, t.name);
  tx.commit();
  return *out;
}

TargetRecord Store::update_target(const std::string& name, const TargetRecord& t) {
  std::lock_guard lock(mu_);
  Transaction tx(*db_);
  if (!find(*db_, name)) throw no_such(name);
  Statement q = db_->prepare(
      "UPDATE targets SET name = ?, target_type = ?, endpoint = ?, tls_client_cert = ?, "
      "trusted_fingerprint = ?, import_limit = ?, create_limit = ?, connection_timeout = ?, "
      "connectivity_status = ? WHERE name = ?");
  q.bind(1, t.name).bind(2, t.target_type).bind(3, t.endpoint).bind(4, t.tls_client_cert);
  q.bind(5, t.trusted_fingerprint).bind(6, t.import_limit).bind(7, t.create_limit);
  q.bind(8, t.connection_timeout).bind(9, t.connectivity_status).bind(10, name);
  try {
    q.run();
  } catch (const SqliteError& e) {
    if (e.is_unique_violation()) throw name_taken(t.name);
    throw;
  }
  // Secrets left out of the update (nullopt) keep their stored value: the API never returns them,
  // so a client cannot send them back.
  if (t.tls_client_key) {
    Statement u = db_->prepare("UPDATE targets SET tls_client_key_enc = ? WHERE name = ?");
    bind_secret(u, 1, t.tls_client_key, box_, kKeyContext);
    u.bind(2, t.name).run();
  }
  if (t.oidc_tokens) {
    Statement u = db_->prepare("UPDATE targets SET oidc_tokens_enc = ? WHERE name = ?");
    bind_secret(u, 1, t.oidc_tokens, box_, kTokensContext);
    u.bind(2, t.name).run();
  }
  auto out = find(*db_, t.name);
  tx.commit();
  return *out;
}

void Store::delete_target(const std::string& name) {
  std::lock_guard lock(mu_);
  db_->prepare("DELETE FROM targets WHERE name = ?").bind(1, name).run();
  if (db_->changes() == 0) throw no_such(name);
}

std::string Store::target_tls_client_key(const std::string& name) {
  std::lock_guard lock(mu_);
  Statement q = db_->prepare("SELECT tls_client_key_enc FROM targets WHERE name = ?");
  q.bind(1, name);
  if (!q.step()) throw no_such(name);
  if (q.column_is_null(0)) return "";
  return box_.open(q.column_blob(0), kKeyContext);
}

std::string Store::target_oidc_tokens(const std::string& name) {
  std::lock_guard lock(mu_);
  Statement q = db_->prepare("SELECT oidc_tokens_enc FROM targets WHERE name = ?");
  q.bind(1, name);
  if (!q.step()) throw no_such(name);
  if (q.column_is_null(0)) return "";
  return box_.open(q.column_blob(0), kTokensContext);
}

void Store::set_target_status(int64_t id, const std::string& status) {
  std::lock_guard lock(mu_);
  db_->prepare("UPDATE targets SET connectivity_status = ? WHERE id = ?")
      .bind(1, status)
      .bind(2, id)
      .run();
}

}  // namespace mm::state
