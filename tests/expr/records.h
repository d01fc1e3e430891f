// Instance records shaped like those of the reference documents (batch guides for ESXi and
// vCenter sources), shared by the expression tests and benchmark-like checks.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace mm::expr::testing {

// A record with every instance field, based on the documents' Win2016 VM.
inline nlohmann::json win2016() {
  return nlohmann::json::parse(R"json({
    "name": "Win2016",
    "location": "/ha-datacenter/vm/Win2016",
    "source": "esxi01",
    "source_type": "vmware",
    "os": "windows",
    "os_version": "Windows Server 2016, 64-bit (Build 14393.693)",
    "os_type": "windows",
    "distribution": "Windows",
    "distribution_version": "2016",
    "cpus": 2,
    "memory": 4294967296,
    "architecture": "x86_64",
    "running": true,
    "background_import": true,
    "secure_boot": false,
    "legacy_boot": false,
    "tpm": false,
    "uuid": "52cfcb6b-20ee-add3-adc9-68c63ca9adfd",
    "description": "",
    "config": {"guestinfo.hostname": "win2016", "key": "value", "numa.nodes": "1"},
    "disks": [
      {"name": "[datastore-01] Win2016/Win2016.vmdk", "capacity": 53687091200, "shared": false,
       "supported": true}
    ],
    "nics": [
      {"hardware_address": "00:50:56:aa:bb:01", "network": "VMWARE",
       "ipv4_address": ["10.10.0.21"], "ipv6_address": ["fe80::250:56ff:feaa:bb01"]}
    ],
    "snapshots": []
  })json");
}

struct NamedRecord {
  std::string location;
  nlohmann::json record;
};

// Builds a record from the columns of the documents' `instance list` tables.
inline nlohmann::json vm(const std::string& location, const std::string& source,
                         const std::string& os_version, int cpus, bool background_import,
                         int disk_count) {
  nlohmann::json r = win2016();
  r["name"] = location.substr(location.rfind('/') + 1);
  r["location"] = location;
  r["source"] = source;
  r["os_version"] = os_version;
  r["cpus"] = cpus;
  r["background_import"] = background_import;
  auto disks = nlohmann::json::array();
  for (int i = 0; i < disk_count; ++i)
    disks.push_back({{"name", "disk" + std::to_string(i)},
                     {"capacity", (i + 1) * 64LL * 1024 * 1024 * 1024},
                     {"shared", false},
                     {"supported", true}});
  r["disks"] = disks;
  return r;
}

// Document 000 (ESXi batch): the VMs of esxi01. The batch info lists the CentOS VM as
// "/ha-datacenter/vm/CentOS 9 UEFI"; Debian has a second disk so that len(disks) == 1 matters.
inline std::vector<NamedRecord> esxi_vms() {
  std::vector<NamedRecord> out;
  auto add = [&](const std::string& loc, const std::string& os, int cpus, int disks) {
    out.push_back({loc, vm(loc, "esxi01", os, cpus, true, disks)});
  };
  add("/ha-datacenter/vm/Win2016", "Windows Server 2016, 64-bit (Build 14393.693)", 2, 1);
  add("/ha-datacenter/vm/Ubuntu 2404", "", 2, 1);
  add("/ha-datacenter/vm/Debian Bookworm", "Debian GNU/Linux 12 (bookworm)", 3, 2);
  add("/ha-datacenter/vm/CentOS 9 UEFI", "CentOS Stream 9", 6, 1);
  add("/ha-datacenter/vm/SuseUEFI", "openSUSE Leap 15.6", 3, 1);
  return out;
}

// Document 001 (complex migrations): instances of esxi01 and vcenter01.
inline std::vector<NamedRecord> complex_vms() {
  std::vector<NamedRecord> out;
  auto add = [&](const std::string& loc, const std::string& src, const std::string& os, int cpus,
                 bool bg) {
    out.push_back({loc, vm(loc, src, os, cpus, bg, 1)});
  };
  add("/ha-datacenter/vm/Win2016", "esxi01", "Windows Server 2016, 64-bit (Build 14393.693)", 2,
      true);
  add("/ha-datacenter/vm/SuseUEFI", "esxi01", "openSUSE Leap 15.6", 3, true);
  add("/vc01/vm/Incus migrations/Ubuntu 2404", "vcenter01", "Ubuntu 24.04 (Noble)", 2, true);
  add("/vc01/vm/Incus migrations/Debian Bookworm", "vcenter01", "Debian GNU/Linux 12 (bookworm)", 3,
      false);
  add("/vc01/vm/Incus migrations/Cent OS 9 UEFI", "vcenter01", "CentOS Stream 9", 6, true);
  add("/vc01/vm/other/CentOS9", "vcenter01", "CentOS Stream 9", 6, true);
  return out;
}

}  // namespace mm::expr::testing
