#pragma once
// In-process stand-ins for the VMware and Incus clients, behind the same interfaces: they serve a
// fixed inventory, present a "server certificate" fingerprint that must be pinned, and can be told
// to fail as an unreachable or refusing server would.
#include <atomic>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "orchestrator/source/source_inventory.h"
#include "orchestrator/target/target_status.h"

namespace mm::test {

inline const std::string kServedFingerprint =
    "ba4f5b7749bc76e11fdce0dba27c49e6c379cfb9b4c7de14844442d9b6df5726";

class FakeSource : public source::SourceConnector {
 public:
  source::Inventory fetch_inventory(const source::SourceEndpoint& ep) override {
    std::lock_guard lock(mu_);
    ++fetches;
    endpoints.push_back(ep);
    if (fail) throw source::SourceError(*fail, "simulated failure");
    if (ep.trusted_fingerprint != kServedFingerprint) {
      throw source::SourceError(source::SourceError::Kind::kUntrustedCertificate,
                                "x509: certificate signed by unknown authority",
                                kServedFingerprint);
    }
    if (ep.password != password) {
      throw source::SourceError(source::SourceError::Kind::kAuthFailed, "InvalidLogin");
    }
    return inventory;
  }
  void set_inventory(source::Inventory inv) {
    std::lock_guard lock(mu_);
    inventory = std::move(inv);
  }
  void set_fail(std::optional<source::SourceError::Kind> k) {
    std::lock_guard lock(mu_);
    fail = k;
  }
  std::vector<source::SourceEndpoint> seen() {
    std::lock_guard lock(mu_);
    return endpoints;
  }

  std::atomic<int> fetches{0};
  std::string password = "pw";

 private:
  std::mutex mu_;
  source::Inventory inventory;
  std::optional<source::SourceError::Kind> fail;
  std::vector<source::SourceEndpoint> endpoints;
};

class FakeTarget : public target::TargetConnector {
 public:
  void check(const target::TargetEndpoint& ep) override {
    std::lock_guard lock(mu_);
    last = ep;
    if (fail) throw target::TargetError(*fail, "simulated failure");
    if (ep.trusted_fingerprint != kServedFingerprint) {
      throw target::TargetError(target::TargetError::Kind::kUntrustedCertificate, "untrusted",
                                kServedFingerprint);
    }
  }
  void set_fail(std::optional<target::TargetError::Kind> k) {
    std::lock_guard lock(mu_);
    fail = k;
  }
  target::TargetEndpoint last_endpoint() {
    std::lock_guard lock(mu_);
    return last;
  }

 private:
  std::mutex mu_;
  std::optional<target::TargetError::Kind> fail;
  target::TargetEndpoint last;
};

// The VMs of the reference documents' ESXi host: Win2016 complete, Ubuntu 2404 without guest
// agent, Debian Bookworm without change tracking; all on the VMWARE port group. `extra_network`
// is not used by any VM.
inline source::Inventory esxi_inventory() {
  source::Inventory inv;
  source::NetworkInfo net{"HaNetwork-VMWARE", "VMWARE", "/ha-datacenter/network/VMWARE",
                          "standard",         0,        "vSwitch0"};
  source::NetworkInfo unused{"HaNetwork-Unused", "Unused", "/ha-datacenter/network/Unused",
                             "standard",         0,        "vSwitch0"};
  inv.networks = {net, unused};
  auto vm = [](std::string uuid, std::string moref, std::string name, std::string os,
               std::string os_version, bool guest, bool cbt) {
    source::VmInfo v;
    v.uuid = std::move(uuid);
    v.moref = std::move(moref);
    v.name = name;
    v.location = "/ha-datacenter/vm/" + name;
    v.os = std::move(os);
    v.os_version = std::move(os_version);
    v.architecture = guest ? "x86_64" : "";
    v.cpus = 2;
    v.memory_bytes = int64_t{4} << 30;
    v.power_state = "poweredOn";
    v.change_tracking = cbt;
    v.guest_info_complete = guest;
    source::DiskInfo d;
    d.name = "Hard disk 1";
    d.device_key = 2000;
    d.capacity_bytes = int64_t{16} << 30;
    d.backing_file = "[datastore1] " + name + "/" + name + ".vmdk";
    d.disk_mode = "persistent";
    v.disks = {d};
    source::NicInfo n;
    n.mac = "00:50:56:aa:bb:" + v.moref.substr(3);
    n.network_id = "HaNetwork-VMWARE";
    n.network_name = "VMWARE";
    n.adapter_type = "vmxnet3";
    if (guest) n.ipv4 = {"10.0.0." + v.moref.substr(3)};
    v.nics = {n};
    v.snapshots = {{"before-upgrade", "snapshot-1", "2025-11-01T10:00:00Z", ""}};
    return v;
  };
  inv.vms = {
      vm("52cfcb6b-20ee-add3-adc9-68c63ca9adfd", "vm-11", "Win2016", "windows",
         "Windows Server 2016, 64-bit (Build 14393.693)", true, true),
      vm("52d5cfe0-d341-82d9-3f23-4149687b4e3e", "vm-12", "Ubuntu 2404", "", "", false, true),
      vm("52d89a93-ff8f-9dea-4d74-ec99beb1d2d4", "vm-13", "Debian Bookworm", "linux",
         "Debian GNU/Linux 12 (bookworm)", true, false),
  };
  return inv;
}

}  // namespace mm::test
