#include "tests/batch/doc_inventory.h"

#include <nlohmann/json.hpp>

namespace mm::test {
namespace {

int64_t add_source(state::Store& store, const std::string& name) {
  state::SourceRecord s;
  s.name = name;
  s.endpoint = "https://127.0.0.1:1";
  s.username = "user";
  return store.create_source(s).id;
}

void add_target(state::Store& store, const std::string& name) {
  state::TargetRecord t;
  t.name = name;
  t.endpoint = "https://127.0.0.1:2";
  store.create_target(t);
}

void add_vm(state::Store& store, int64_t source, const std::string& uuid, const std::string& path,
            const std::string& os_version, bool background_import, int disks = 1) {
  state::InstanceRecord r;
  r.uuid = uuid;
  r.source_id = source;
  r.inventory_path = path;
  r.name = path.substr(path.rfind('/') + 1);
  r.architecture = "x86_64";
  r.os = os_version.empty() ? "" : os_version.substr(0, os_version.find(' '));
  r.os_version = os_version;
  r.cpus = 2;
  r.memory_bytes = 4LL << 30;
  r.background_import = background_import;
  nlohmann::json d = nlohmann::json::array();
  for (int i = 0; i < disks; ++i) {
    d.push_back({{"name", "disk" + std::to_string(i)},
                 {"capacity", 16LL << 30},
                 {"shared", false},
                 {"supported", true}});
  }
  r.properties = nlohmann::json{{"disks", d}, {"nics", nlohmann::json::array()}}.dump();
  r.last_update_from_source = "2025-11-18T23:47:23Z";
  store.upsert_instance(r);
}

}  // namespace

void load_doc_inventory_000(state::Store& store) {
  const int64_t esxi = add_source(store, "esxi01");
  add_target(store, "incus01");
  add_vm(store, esxi, "52cfcb6b-20ee-add3-adc9-68c63ca9adfd", "/ha-datacenter/vm/Win2016",
         "Windows Server 2016, 64-bit (Build 14393.693)", true);
  add_vm(store, esxi, "52d5cfe0-d341-82d9-3f23-4149687b4e3e", "/ha-datacenter/vm/Ubuntu 2404", "",
         true);
  add_vm(store, esxi, "52d89a93-ff8f-9dea-4d74-ec99beb1d2d4", "/ha-datacenter/vm/Debian Bookworm",
         "Debian GNU/Linux 12 (bookworm)", true);
  add_vm(store, esxi, "5263adbf-dbca-eb36-3019-b09743f40b6d", "/ha-datacenter/vm/CentOS 9 UEFI",
         "CentOS Stream 9", true);
  add_vm(store, esxi, "5298cc11-96ea-4f50-b018-6d80bfdaa7d9", "/ha-datacenter/vm/SuseUEFI",
         "openSUSE Leap 15.6", true, /*disks=*/2);
}

void load_doc_inventory_001(state::Store& store) {
  const int64_t esxi = add_source(store, "esxi01");
  const int64_t vc = add_source(store, "vcenter01");
  add_target(store, "incus01");
  add_target(store, "incus02");
  add_vm(store, esxi, "52cfcb6b-20ee-add3-adc9-68c63ca9adfd", "/ha-datacenter/vm/Win2016",
         "Windows Server 2016, 64-bit (Build 14393.693)", true);
  add_vm(store, esxi, "5298cc11-96ea-4f50-b018-6d80bfdaa7d9", "/ha-datacenter/vm/SuseUEFI",
         "openSUSE Leap 15.6", true);
  add_vm(store, vc, "52d5cfe0-d341-82d9-3f23-4149687b4e3e", "/vc01/vm/Incus migrations/Ubuntu 2404",
         "", true);
  add_vm(store, vc, "52d89a93-ff8f-9dea-4d74-ec99beb1d2d4",
         "/vc01/vm/Incus migrations/Debian Bookworm", "Debian GNU/Linux 12 (bookworm)", false);
  add_vm(store, vc, "5263adbf-dbca-eb36-3019-b09743f40b6d",
         "/vc01/vm/Incus migrations/Cent OS 9 UEFI", "CentOS Stream 9", true);
  add_vm(store, vc, "2f83c3b1-7966-4ff7-a671-79f163f28b3e", "/vc01/vm/other/CentOS9",
         "CentOS Stream 9", true);
}

}  // namespace mm::test
