#pragma once
// The scheduler's per-instance working state, kept as JSON in QueueRecord.data so that a daemon
// killed at any point resumes from it: which window, which snapshot, which disk of the cycle, each
// disk's committed changeId and target path, whether we powered the source off.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace mm::migration {

struct DiskState {
  std::string name;     // "Hard disk 1"
  std::string backing;  // "[datastore-01] CentOS9/CentOS9.vmdk"
  int32_t device_key = 0;
  int64_t capacity = 0;
  std::string pool;               // target storage pool
  std::string volume;             // target custom volume ("" = the instance's root volume)
  std::string target_path;        // where the worker writes it
  std::string change_id;          // committed: what the target holds ("" = nothing copied yet)
  std::string pending_change_id;  // the current cycle's snapshot changeId
  bool cycle_done = false;        // copied in the current cycle
  int64_t bytes_done = 0;
  int64_t bytes_total = 0;
  double rate = 0;
  int64_t eta_seconds = -1;
  std::string phase = "idle";  // import | top_up | final | idle | done
  std::string digest;          // of the last full copy
  bool operator==(const DiskState&) const = default;
};

struct WindowState {
  std::string name;
  std::string start, end, lockout;  // RFC 3339; lockout "" when unset
  bool operator==(const WindowState&) const = default;
};

struct QueueData {
  bool has_window = false;
  WindowState window;
  std::vector<DiskState> disks;
  std::string snapshot;  // the current cycle's snapshot moref, "" none
  std::string cycle;     // background_import | top_up | final_import, "" between cycles
  bool created = false;
  bool source_was_running = false;
  bool source_powered_off = false;  // we powered it off and have not powered it back on
  std::string last_sync;            // RFC 3339 of the last completed cycle
  bool final_top_up_done = false;   // the one top-up final_background_sync_limit before the window
  int64_t post_migration_attempts = 0;
  std::string fingerprint;  // of the source instance (cpus, memory, disks, nics) when queued
  std::string error_stage, error_reason;
  std::string target, project;            // placement result
  std::vector<std::string> nic_networks;  // per source NIC, "network|nictype|vlan"
  // Cold migration (docs/cold-migration.md).
  bool cold = false;
  std::string inspection;   // `mm-transfer inspect --json` of the copied root disk ("" not yet)
  std::string guest_os;     // from the inspection: "Debian GNU/Linux 12 (bookworm)", "" unknown
  std::string firmware;     // from the inspection: uefi | bios | unknown
  std::string guest_fixes;  // "applied by virt-v2v-in-place" or "skipped: <why>"
  bool operator==(const QueueData&) const = default;
};

QueueData parse_queue_data(const std::string& json_text);  // "{}" -> defaults
std::string dump_queue_data(const QueueData& d);
nlohmann::json to_json(const QueueData& d);

}  // namespace mm::migration
