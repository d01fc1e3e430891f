// Instances and networks imported from sources. A sync upserts what it saw; the user's overrides
// live in their own column so a sync never overwrites them.
#include "orchestrator/state/store.h"

namespace mm::state {
namespace {

constexpr const char* kInstanceColumns =
    "uuid, source_id, inventory_path, name, architecture, os, os_version, cpus, memory_bytes, "
    "legacy_boot, secure_boot, tpm, background_import, properties, override, missing, "
    "last_update_from_source";

InstanceRecord instance_row(const Statement& q) {
  InstanceRecord i;
  i.uuid = q.column_text(0);
  i.source_id = q.column_int(1);
  i.inventory_path = q.column_text(2);
  i.name = q.column_text(3);
  i.architecture = q.column_text(4);
  i.os = q.column_text(5);
  i.os_version = q.column_text(6);
  i.cpus = q.column_int(7);
  i.memory_bytes = q.column_int(8);
  i.legacy_boot = q.column_int(9) != 0;
  i.secure_boot = q.column_int(10) != 0;
  i.tpm = q.column_int(11) != 0;
  i.background_import = q.column_int(12) != 0;
  i.properties = q.column_text(13);
  i.override_json = q.column_text(14);
  i.missing = q.column_int(15) != 0;
  i.last_update_from_source = q.column_text(16);
  return i;
}

constexpr const char* kNetworkColumns =
    "uuid, source_id, identifier, type, location, properties, override, missing";

NetworkRecord network_row(const Statement& q) {
  NetworkRecord n;
  n.uuid = q.column_text(0);
  n.source_id = q.column_int(1);
  n.identifier = q.column_text(2);
  n.type = q.column_text(3);
  n.location = q.column_text(4);
  n.properties = q.column_text(5);
  n.override_json = q.column_text(6);
  n.missing = q.column_int(7) != 0;
  return n;
}

StoreError no_such(const char* what, const std::string& uuid) {
  return StoreError(StoreError::Kind::kNotFound, std::string(what) + " \"" + uuid + "\" not found");
}

int64_t flag(bool b) {
  return b ? 1 : 0;
}

}  // namespace

void Store::upsert_instance(const InstanceRecord& i) {
  std::lock_guard lock(mu_);
  // A sync that sees the VM again clears `missing`; `override` is not in the SET list on purpose.
  db_->prepare(
         "INSERT INTO instances (uuid, source_id, inventory_path, name, architecture, os, "
         "os_version, cpus, memory_bytes, legacy_boot, secure_boot, tpm, background_import, "
         "properties, missing, last_update_from_source) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,0,?) "
         "ON CONFLICT(uuid) DO UPDATE SET source_id = excluded.source_id, "
         "inventory_path = excluded.inventory_path, name = excluded.name, "
         "architecture = excluded.architecture, os = excluded.os, "
         "os_version = excluded.os_version, cpus = excluded.cpus, "
         "memory_bytes = excluded.memory_bytes, legacy_boot = excluded.legacy_boot, "
         "secure_boot = excluded.secure_boot, tpm = excluded.tpm, "
         "background_import = excluded.background_import, properties = excluded.properties, "
         "missing = 0, last_update_from_source = excluded.last_update_from_source")
      .bind(1, i.uuid)
      .bind(2, i.source_id)
      .bind(3, i.inventory_path)
      .bind(4, i.name)
      .bind(5, i.architecture)
      .bind(6, i.os)
      .bind(7, i.os_version)
      .bind(8, i.cpus)
      .bind(9, i.memory_bytes)
      .bind(10, flag(i.legacy_boot))
      .bind(11, flag(i.secure_boot))
      .bind(12, flag(i.tpm))
      .bind(13, flag(i.background_import))
      .bind(14, i.properties)
      .bind(15, i.last_update_from_source)
      .run();
}

std::optional<InstanceRecord> Store::get_instance(const std::string& uuid) {
  std::lock_guard lock(mu_);
  Statement q =
      db_->prepare(std::string("SELECT ") + kInstanceColumns + " FROM instances WHERE uuid = ?");
  q.bind(1, uuid);
  if (!q.step()) return std::nullopt;
  return instance_row(q);
}

std::vector<InstanceRecord> Store::list_instances() {
  std::lock_guard lock(mu_);
  Statement q = db_->prepare(std::string("SELECT ") + kInstanceColumns +
                             " FROM instances ORDER BY inventory_path");
  std::vector<InstanceRecord> out;
  while (q.step()) out.push_back(instance_row(q));
  return out;
}

void Store::set_instance_override(const std::string& uuid, const std::string& override_json) {
  std::lock_guard lock(mu_);
  db_->prepare("UPDATE instances SET override = ? WHERE uuid = ?")
      .bind(1, override_json)
      .bind(2, uuid)
      .run();
  if (db_->changes() == 0) throw no_such("instance", uuid);
}

void Store::mark_missing_instances(int64_t source_id, const std::vector<std::string>& present) {
  std::lock_guard lock(mu_);
  Transaction tx(*db_);
  // A temp table rather than a giant IN (...) list: sources can hold thousands of VMs.
  db_->exec("CREATE TEMP TABLE IF NOT EXISTS present_uuids (uuid TEXT PRIMARY KEY)");
  db_->exec("DELETE FROM present_uuids");
  Statement ins = db_->prepare("INSERT OR IGNORE INTO present_uuids (uuid) VALUES (?)");
  for (const std::string& u : present) {
    ins.bind(1, u);
    ins.run();
    ins.reset();
  }
  db_->prepare(
         "UPDATE instances SET missing = 1 WHERE source_id = ? AND uuid NOT IN "
         "(SELECT uuid FROM present_uuids)")
      .bind(1, source_id)
      .run();
  db_->exec("DELETE FROM present_uuids");
  tx.commit();
}

void Store::mark_missing_networks(int64_t source_id, const std::vector<std::string>& present) {
  std::lock_guard lock(mu_);
  Transaction tx(*db_);
  db_->exec("CREATE TEMP TABLE IF NOT EXISTS present_networks (identifier TEXT PRIMARY KEY)");
  db_->exec("DELETE FROM present_networks");
  Statement ins = db_->prepare("INSERT OR IGNORE INTO present_networks (identifier) VALUES (?)");
  for (const std::string& id : present) {
    ins.bind(1, id);
    ins.run();
    ins.reset();
  }
  db_->prepare(
         "UPDATE networks SET missing = 1 WHERE source_id = ? AND identifier NOT IN "
         "(SELECT identifier FROM present_networks)")
      .bind(1, source_id)
      .run();
  db_->exec("DELETE FROM present_networks");
  tx.commit();
}

void Store::upsert_network(const NetworkRecord& n) {
  std::lock_guard lock(mu_);
  db_->prepare(
         "INSERT INTO networks (uuid, source_id, identifier, type, location, properties, missing) "
         "VALUES (?,?,?,?,?,?,0) ON CONFLICT(source_id, identifier) DO UPDATE SET "
         "type = excluded.type, location = excluded.location, properties = excluded.properties, "
         "missing = 0")
      .bind(1, n.uuid)
      .bind(2, n.source_id)
      .bind(3, n.identifier)
      .bind(4, n.type)
      .bind(5, n.location)
      .bind(6, n.properties)
      .run();
}

std::optional<NetworkRecord> Store::get_network(const std::string& uuid) {
  std::lock_guard lock(mu_);
  Statement q =
      db_->prepare(std::string("SELECT ") + kNetworkColumns + " FROM networks WHERE uuid = ?");
  q.bind(1, uuid);
  if (!q.step()) return std::nullopt;
  return network_row(q);
}

std::vector<NetworkRecord> Store::list_networks() {
  std::lock_guard lock(mu_);
  Statement q =
      db_->prepare(std::string("SELECT ") + kNetworkColumns + " FROM networks ORDER BY location");
  std::vector<NetworkRecord> out;
  while (q.step()) out.push_back(network_row(q));
  return out;
}

void Store::set_network_override(const std::string& uuid, const std::string& override_json) {
  std::lock_guard lock(mu_);
  db_->prepare("UPDATE networks SET override = ? WHERE uuid = ?")
      .bind(1, override_json)
      .bind(2, uuid)
      .run();
  if (db_->changes() == 0) throw no_such("network", uuid);
}

}  // namespace mm::state
