#pragma once
// The rows the daemon keeps, as plain structs. Field names follow the reference tool's API objects
// so the API layer maps them one to one. Secrets appear only as std::optional plaintext on the way
// in (nullopt = leave the stored value alone) and as a has_* flag on the way out: reading a record
// never decrypts anything.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mm::state {

struct SourceRecord {
  int64_t id = 0;
  std::string name;
  std::string source_type = "vmware";
  std::string endpoint;
  std::string username;
  std::optional<std::string> password;  // write-only
  bool has_password = false;
  std::string trusted_fingerprint;
  int64_t import_limit = 50;
  std::string connectivity_status = "Unknown";
  // How disks are read: auto (VDDK when an sdk artifact exists, else the datastore), vddk (only
  // VDDK: blocked without the artifact), datastore (never VDDK).
  // orchestrator/artifacts/disk_access.h
  std::string disk_access = "auto";
};

struct TargetRecord {
  int64_t id = 0;
  std::string name;
  std::string target_type = "incus";
  std::string endpoint;
  std::string tls_client_cert;
  std::optional<std::string> tls_client_key;  // write-only
  bool has_tls_client_key = false;
  std::optional<std::string> oidc_tokens;  // write-only (JSON text)
  bool has_oidc_tokens = false;
  std::string trusted_fingerprint;
  int64_t import_limit = 50;
  int64_t create_limit = 10;
  std::string connection_timeout = "5m0s";
  std::string connectivity_status = "Unknown";
};

struct CertificateRecord {
  std::string fingerprint;  // SHA-256 of the DER certificate, lower-case hex
  std::string name;
  std::string certificate;  // PEM
};

struct InstanceRecord {
  std::string uuid;
  int64_t source_id = 0;
  std::string inventory_path;
  std::string name;
  std::string architecture;
  std::string os;
  std::string os_version;
  int64_t cpus = 0;
  int64_t memory_bytes = 0;
  bool legacy_boot = false;
  bool secure_boot = false;
  bool tpm = false;
  bool background_import = false;
  std::string properties = "{}";     // JSON: disks, nics, snapshots, config
  std::string override_json = "{}";  // JSON: the user's instance override; kept across syncs
  bool missing = false;              // gone from the source at the last sync, kept for the record
  std::string last_update_from_source;
};

struct NetworkRecord {
  std::string uuid;
  int64_t source_id = 0;
  std::string identifier;  // source-specific id, e.g. network-40007
  std::string type;        // standard | distributed | nsx-distributed | nsx
  std::string location;
  std::string properties = "{}";
  std::string override_json = "{}";  // JSON: network, nictype, vlan_id
  bool missing = false;
};

struct WarningRecord {
  std::string uuid;
  std::string status = "new";  // new | acknowledged
  std::string scope;
  std::string entity_type;
  std::string entity;
  std::string type;
  std::vector<std::string> messages;
  int64_t count = 0;
  std::string first_seen_date;
  std::string last_seen_date;
  std::string updated_date;
};

// A batch: the user's YAML body lives in `config` as JSON (orchestrator/batch parses and checks
// it); the columns are what the scheduler reads and writes on its own.
struct BatchRecord {
  int64_t id = 0;
  std::string name;
  std::string status = "Defined";  // Defined | Queued | Running | Stopped | Finished | Error
  std::string status_message;
  std::string config =
      "{}";  // JSON: include_expression, migration_windows, constraints, defaults, config
  std::string start_date;  // RFC 3339, set when first started; "" never started
  int64_t started_seq =
      0;  // order of first start (1, 2, ...): the earlier batch claims a shared instance
};

// One instance in the migration queue. `stage` is the state machine's state
// (orchestrator/migration/state_table.h); `status` and `status_message` are what the user sees.
struct QueueRecord {
  std::string instance_uuid;
  int64_t batch_id = 0;
  std::string batch_name;     // read only (joined)
  std::string instance_name;  // read only (joined)
  std::string status;
  std::string status_message;
  std::string stage;
  std::string window_name;       // the migration window assigned, "" none
  std::string placement = "{}";  // JSON: target, project, pools, networks
  std::string data = "{}";       // JSON: per-disk progress, change ids, volumes, snapshot, retries
  std::string last_update;       // RFC 3339
};

// A named event in an instance's migration (queue events NAME).
struct QueueEventRecord {
  int64_t id = 0;  // increasing: a follower asks for events after the last id it saw
  std::string instance_uuid;
  std::string instance_name;
  std::string batch;
  std::string time;  // RFC 3339
  std::string type;  // created, background_import.started, ... (docs/migration-state-machine.md)
  std::string message;
  std::string data = "{}";  // JSON
};

// An uploaded file set the migrations need (VDDK SDK, drivers, OS images).
struct ArtifactRecord {
  std::string uuid;
  std::string type;  // sdk | driver | os-image
  std::string description;
  std::string properties = "{}";  // JSON: os, architectures, versions, source_type, ...
  std::string files = "[]";       // JSON: [{"name", "size", "sha256"}]
  std::string last_updated;       // RFC 3339
};

}  // namespace mm::state
