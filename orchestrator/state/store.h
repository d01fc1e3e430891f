#pragma once
// The daemon's typed data-access layer over SQLite. One Store per state directory; every method is
// one transaction and is safe to call from several threads (a mutex serialises them: the daemon's
// write rate is tiny and this keeps multi-statement updates atomic without retry loops).
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "orchestrator/state/records.h"
#include "orchestrator/state/secret_box.h"
#include "orchestrator/state/sqlite.h"

namespace mm::state {

class StoreError : public std::runtime_error {
 public:
  enum class Kind { kNotFound, kConflict };
  StoreError(Kind kind, const std::string& what) : std::runtime_error(what), kind_(kind) {}
  Kind kind() const { return kind_; }

 private:
  Kind kind_;
};

class Store {
 public:
  // Opens DIR/state.db (WAL, foreign keys on, synchronous FULL), migrating it to the latest schema
  // after backing it up to DIR/state.db.v<N>.backup, and the secret key DIR/secret.key.
  static std::unique_ptr<Store> open_dir(const std::string& dir);
  // A throwaway in-memory store with an ephemeral key: tests and the fuzzer.
  static std::unique_ptr<Store> in_memory();

  Store(std::unique_ptr<Database> db, SecretBox box);

  // Sources. create/update throw StoreError kConflict on a name in use, kNotFound for a missing
  // one.
  std::vector<SourceRecord> list_sources();
  std::optional<SourceRecord> get_source(const std::string& name);
  SourceRecord create_source(const SourceRecord& s);
  SourceRecord update_source(const std::string& name, const SourceRecord& s);
  void delete_source(const std::string& name);
  // The decrypted password, for the code that logs in to the source; never for the API.
  std::string source_password(const std::string& name);
  // The connectivity status the daemon measured; by id, so a rename during a check is harmless.
  // No-op for a source deleted meanwhile.
  void set_source_status(int64_t id, const std::string& status);

  // Targets, as for sources.
  std::vector<TargetRecord> list_targets();
  std::optional<TargetRecord> get_target(const std::string& name);
  TargetRecord create_target(const TargetRecord& t);
  TargetRecord update_target(const std::string& name, const TargetRecord& t);
  void delete_target(const std::string& name);
  std::string target_tls_client_key(const std::string& name);
  std::string target_oidc_tokens(const std::string& name);
  void set_target_status(int64_t id, const std::string& status);

  // Trusted client certificates (HTTPS access).
  std::vector<CertificateRecord> list_certificates();
  void add_certificate(const CertificateRecord& c);  // kConflict if already trusted
  bool is_trusted(const std::string& fingerprint);
  void delete_certificate(const std::string& fingerprint);

  // Inventory. Upserts keep the user's override_json; mark_missing_instances flags the source's
  // instances not in `present` (a VM that disappeared is marked, not dropped).
  void upsert_instance(const InstanceRecord& i);
  std::optional<InstanceRecord> get_instance(const std::string& uuid);
  std::vector<InstanceRecord> list_instances();
  void set_instance_override(const std::string& uuid, const std::string& override_json);
  void mark_missing_instances(int64_t source_id, const std::vector<std::string>& present);

  void upsert_network(const NetworkRecord& n);
  std::optional<NetworkRecord> get_network(const std::string& uuid);
  std::vector<NetworkRecord> list_networks();
  void set_network_override(const std::string& uuid, const std::string& override_json);
  // As mark_missing_instances, for the source's networks whose identifier is not in `present`.
  void mark_missing_networks(int64_t source_id, const std::vector<std::string>& present);

  // Records a warning occurrence: a new row, or on the same (scope, entity_type, entity, type) the
  // messages replaced, count incremented and last_seen_date moved. `now` is RFC 3339.
  WarningRecord record_warning(const WarningRecord& w, const std::string& now);
  std::optional<WarningRecord> get_warning(const std::string& uuid);
  std::vector<WarningRecord> list_warnings();
  void set_warning_status(const std::string& uuid, const std::string& status);
  // One sync's verdict for (scope, entity_type, entity): each warning in `current` (one per type)
  // gets exactly its messages, its count raised by the number of messages, its status kept. With
  // `prune`, the entity's warnings of other types are deleted: their condition has cleared.
  void replace_warnings(const std::string& scope, const std::string& entity_type,
                        const std::string& entity, const std::vector<WarningRecord>& current,
                        const std::string& now, bool prune);

  // Batches (store_batches.cpp). create/update: kConflict on a name in use, kNotFound for a missing
  // one. update_batch writes name and config only; the scheduler owns status and start fields.
  std::vector<BatchRecord> list_batches();
  std::optional<BatchRecord> get_batch(const std::string& name);
  std::optional<BatchRecord> get_batch_by_id(int64_t id);
  BatchRecord create_batch(const BatchRecord& b);
  BatchRecord update_batch(const std::string& name, const BatchRecord& b);
  void delete_batch(const std::string& name);  // its queue entries go with it
  void set_batch_status(int64_t id, const std::string& status, const std::string& message);
  // First start: sets start_date (if empty) and started_seq (if 0) to one past the highest.
  BatchRecord mark_batch_started(const std::string& name, const std::string& now);

  // The migration queue (store_queue.cpp). put_queue_entry inserts or replaces by instance_uuid.
  std::vector<QueueRecord> list_queue();
  std::vector<QueueRecord> list_queue_for_batch(int64_t batch_id);
  std::optional<QueueRecord> get_queue_entry(const std::string& instance_uuid);
  void put_queue_entry(const QueueRecord& q);
  // The entry and events in one transaction (a stage change and the events that tell of it).
  void put_queue_entry(const QueueRecord& q, const std::vector<QueueEventRecord>& events);
  // The scheduler's writes, which must never bring back an entry that a batch reset or removal
  // deleted meanwhile. claim: inserts only while the batch is Queued or Running and no batch holds
  // the instance; update: only an entry that still exists. Events are written only with the entry.
  // False: nothing was written.
  bool claim_queue_entry(const QueueRecord& q, const std::vector<QueueEventRecord>& events);
  bool update_queue_entry(const QueueRecord& q, const std::vector<QueueEventRecord>& events);
  void delete_queue_entry(const std::string& instance_uuid);
  // Appends an event (id assigned) and returns it.
  QueueEventRecord append_queue_event(const QueueEventRecord& e);
  // Events of one instance with id > after_id, oldest first, at most `limit`.
  std::vector<QueueEventRecord> list_queue_events(const std::string& instance_uuid,
                                                  int64_t after_id = 0, int64_t limit = 1000);
  void delete_queue_events(const std::string& instance_uuid);

  // Artifacts (store_artifacts.cpp): kConflict on a uuid in use, kNotFound for a missing one.
  std::vector<ArtifactRecord> list_artifacts();
  std::optional<ArtifactRecord> get_artifact(const std::string& uuid);
  ArtifactRecord create_artifact(const ArtifactRecord& a);
  ArtifactRecord update_artifact(const ArtifactRecord& a);
  void delete_artifact(const std::string& uuid);

 private:
  std::mutex mu_;
  std::unique_ptr<Database> db_;
  SecretBox box_;
};

}  // namespace mm::state
