// Trusted client certificates: the HTTPS listener lets in only these fingerprints.
#include "orchestrator/state/store.h"

namespace mm::state {

std::vector<CertificateRecord> Store::list_certificates() {
  std::lock_guard lock(mu_);
  Statement q =
      db_->prepare("SELECT fingerprint, name, certificate FROM certificates ORDER BY fingerprint");
  std::vector<CertificateRecord> out;
  while (q.step()) out.push_back({q.column_text(0), q.column_text(1), q.column_text(2)});
  return out;
}

void Store::add_certificate(const CertificateRecord& c) {
  std::lock_guard lock(mu_);
  try {
    db_->prepare("INSERT INTO certificates (fingerprint, name, certificate) VALUES (?,?,?)")
        .bind(1, c.fingerprint)
        .bind(2, c.name)
        .bind(3, c.certificate)
        .run();
  } catch (const SqliteError& e) {
    if (e.is_unique_violation()) {
      throw StoreError(StoreError::Kind::kConflict, "certificate is already trusted");
    }
    throw;
  }
}

bool Store::is_trusted(const std::string& fingerprint) {
  std::lock_guard lock(mu_);
  Statement q = db_->prepare("SELECT 1 FROM certificates WHERE fingerprint = ?");
  q.bind(1, fingerprint);
  return q.step();
}

void Store::delete_certificate(const std::string& fingerprint) {
  std::lock_guard lock(mu_);
  db_->prepare("DELETE FROM certificates WHERE fingerprint = ?").bind(1, fingerprint).run();
  if (db_->changes() == 0) {
    throw StoreError(StoreError::Kind::kNotFound, "certificate not found");
  }
}

}  // namespace mm::state
