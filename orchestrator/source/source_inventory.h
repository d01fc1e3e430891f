#pragma once
// What a source reports about its VMs and networks, as plain data independent of the protocol that
// fetched it. The VMware client (orchestrator/vmware) fills it; the inventory sync
// (orchestrator/inventory) turns it into state rows and warnings. Keeping this the only contract
// between them lets either side change without the other.
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace mm::source {

struct DiskInfo {
  std::string name;           // device label, "Hard disk 1"
  int32_t device_key = 0;     // VirtualDevice.key (2000, 2001, ...): what QueryChangedDiskAreas takes
  int64_t capacity_bytes = 0;
  std::string backing_file;   // "[datastore1] web01/web01.vmdk"
  std::string disk_mode;      // persistent | independent_persistent | independent_nonpersistent | ...
  bool shared = false;        // multi-writer sharing
  bool rdm = false;           // raw device mapping
  std::string change_id;      // backing.changeId when change tracking is on, "" otherwise
};

struct NicInfo {
  std::string mac;             // "00:50:56:aa:bb:01"
  std::string network_id;      // the network's identifier (moref): "network-12", "dvportgroup-40"
  std::string network_name;
  std::string adapter_type;    // vmxnet3 | e1000 | e1000e | ...
  std::vector<std::string> ipv4;  // from guest info; empty when the guest agent does not report
  std::vector<std::string> ipv6;
};

struct SnapshotInfo {
  std::string name;
  std::string moref;    // "snapshot-7"
  std::string created;  // RFC 3339
  std::string parent;   // the parent snapshot's moref, "" for a root
};

struct VmInfo {
  std::string uuid;          // the VM's stable UUID (config.instanceUuid, else config.uuid)
  std::string moref;         // "vm-42"
  std::string name;
  std::string location;      // inventory path, the "Location" column: /ha-datacenter/vm/Win2016
  std::string description;   // config.annotation
  std::string guest_id;      // config.guestId, "ubuntu64Guest"
  std::string guest_full_name;  // config.guestFullName, "Ubuntu Linux (64-bit)" (always set)
  std::string os;            // OS family or name as reported by the guest, "" when unknown
  std::string os_version;    // guest.guestFullName, "" when the guest agent does not report it
  std::string architecture;  // x86_64 | aarch64 | i686, derived from the guest id
  int64_t cpus = 0;
  int64_t memory_bytes = 0;
  bool legacy_boot = false;  // firmware bios (false: efi)
  bool secure_boot = false;
  bool tpm = false;
  std::string power_state;   // poweredOn | poweredOff | suspended
  bool change_tracking = false;   // config.changeTrackingEnabled
  bool guest_info_complete = false;  // tools running and reporting OS and networking
  std::vector<DiskInfo> disks;
  std::vector<NicInfo> nics;
  std::vector<SnapshotInfo> snapshots;  // the tree flattened depth first, parents first
  std::string current_snapshot;         // snapshot.currentSnapshot moref, "" when none
};

struct NetworkInfo {
  std::string identifier;  // moref: "network-12", "dvportgroup-40", "HaNetwork-VMWARE"
  std::string name;
  std::string location;    // inventory path: /ha-datacenter/network/VMWARE
  std::string type;        // standard | distributed
  int64_t vlan_id = 0;     // 0: none
  std::string switch_name;
};

struct Inventory {
  std::vector<VmInfo> vms;
  std::vector<NetworkInfo> networks;
};

// Where and as whom to connect. `trusted_fingerprint` is the user's pinned SHA-256 of the server
// certificate (lower-case hex, no colons); empty means "only a certificate the system CAs trust".
struct SourceEndpoint {
  std::string url;  // https://host[:port][/sdk]
  std::string username;
  std::string password;
  std::string trusted_fingerprint;
};

// Why talking to a source failed, in the terms the user sees as the connectivity status.
class SourceError : public std::runtime_error {
 public:
  enum class Kind {
    kUntrustedCertificate,  // status "Confirm TLS fingerprint"; fingerprint() is what was served
    kAuthFailed,            // status "Authentication error"
    kUnreachable,           // status "Cannot connect"
    kProtocol,              // a reply we cannot accept; status "Unknown"
  };
  SourceError(Kind kind, const std::string& what, std::string fingerprint = {})
      : std::runtime_error(what), kind_(kind), fingerprint_(std::move(fingerprint)) {}
  Kind kind() const { return kind_; }
  const std::string& fingerprint() const { return fingerprint_; }

 private:
  Kind kind_;
  std::string fingerprint_;
};

// The part of a source client the daemon's inventory sync needs. Implementations throw SourceError.
class SourceConnector {
 public:
  virtual ~SourceConnector() = default;
  // Connects, checks the certificate against the pin, logs in and reads the whole inventory.
  virtual Inventory fetch_inventory(const SourceEndpoint& endpoint) = 0;
};

}  // namespace mm::source
