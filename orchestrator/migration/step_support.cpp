#include "orchestrator/migration/step_support.h"

#include <filesystem>
#include <optional>

#include "common/percent_encoding.h"
#include "orchestrator/incus/client.h"
#include "orchestrator/incus/error.h"
#include "orchestrator/incus/requests.h"
#include "orchestrator/incus/volume_location.h"
#include "orchestrator/inventory/instance_view.h"
#include "orchestrator/inventory/sync.h"
#include "orchestrator/vmware/vmware_client.h"

namespace mm::migration::steps_detail {

namespace fs = std::filesystem;
using nlohmann::json;

namespace fs = std::filesystem;
using nlohmann::json;

Parts load(state::Store& store, const std::string& uuid) {
  Parts p;
  auto q = store.get_queue_entry(uuid);
  if (!q) throw std::runtime_error("instance is no longer queued");
  p.q = *q;
  p.d = parse_queue_data(q->data);
  auto inst = store.get_instance(uuid);
  if (!inst) throw std::runtime_error("instance is no longer in the inventory");
  p.instance = *inst;
  p.view = inventory::instance_view(*inst, true);
  p.vm_moref = inventory::instance_view(*inst, false).value("source_specific_id", std::string());
  for (const state::SourceRecord& s : store.list_sources()) {
    if (s.id == inst->source_id) p.source = s;
  }
  if (p.source.name.empty()) throw std::runtime_error("the instance's source is gone");
  return p;
}

target::TargetEndpoint target_endpoint(state::Store& store, const std::string& name) {
  const auto t = store.get_target(name);
  if (!t) throw std::runtime_error("target \"" + name + "\" does not exist");
  return inventory::target_endpoint(store, *t);
}

std::string volume_name(const std::string& instance, size_t index) {
  return instance + "-disk" + std::to_string(index);
}

namespace {

struct DatastorePath {
  std::string datastore;  // "datastore1"
  std::string relative;   // "vm/vm.vmdk"
};

DatastorePath split_datastore_path(const std::string& backing) {
  if (backing.size() < 3 || backing[0] != '[') {
    throw std::runtime_error("disk backing \"" + backing + "\" is not a datastore path");
  }
  const size_t close = backing.find(']');
  if (close == std::string::npos)
    throw std::runtime_error("bad datastore path \"" + backing + "\"");
  DatastorePath p{backing.substr(1, close - 1), backing.substr(close + 1)};
  while (!p.relative.empty() && p.relative.front() == ' ') p.relative.erase(p.relative.begin());
  return p;
}

// A datastore path for a URL: each segment percent-encoded, the slashes kept (VM names hold
// spaces).
std::string encode_path(const std::string& path) {
  std::string out;
  size_t start = 0;
  for (size_t slash; (slash = path.find('/', start)) != std::string::npos; start = slash + 1) {
    out += percent_encode(std::string_view(path).substr(start, slash - start)) + "/";
  }
  return out + percent_encode(std::string_view(path).substr(start));
}

// Where a worker reads a disk: a mounted datastore's flat file, or the datastore service.
}  // namespace

void set_disk_source(const StepsOptions& o, const state::SourceRecord& source,
                     const std::string& vm_location, const std::string& backing,
                     vmware::VmwareClient& vc, DiskCopyJob& job) {
  const DatastorePath dp = split_datastore_path(backing);
  if (auto it = o.datastore_dirs.find(dp.datastore); it != o.datastore_dirs.end()) {
    std::string rel = dp.relative;
    if (rel.size() > 5 && rel.ends_with(".vmdk"))
      rel = rel.substr(0, rel.size() - 5) + "-flat.vmdk";
    job.source = (fs::path(it->second) / rel).string();
    return;
  }
  // https://host[:port]/folder/PATH?dcPath=DC&dsName=DS; the descriptor is given and the reader
  // resolves its extents. The datacenter is the part of the VM's location before "/vm/".
  std::string base = source.endpoint;
  if (const size_t sdk = base.rfind("/sdk"); sdk != std::string::npos && sdk + 4 == base.size()) {
    base.resize(sdk);
  }
  while (!base.empty() && base.back() == '/') base.pop_back();
  const size_t vm = vm_location.find("/vm/");
  const std::string dc = vm == std::string::npos ? "ha-datacenter" : vm_location.substr(1, vm - 1);
  job.source = base + "/folder/" + encode_path(dp.relative) + "?dcPath=" + percent_encode(dc) +
               "&dsName=" + percent_encode(dp.datastore);
  job.environment["MM_HTTP_COOKIE"] = "vmware_soap_session=" + vc.session().session_cookie();
  if (!source.trusted_fingerprint.empty()) {
    job.extra_args.insert(job.extra_args.end(), {"--source-trust", source.trusted_fingerprint});
  }
  job.extra_args.insert(job.extra_args.end(), {"--request-size", "1M"});
}

incus::Firmware firmware_of(const json& view) {
  if (view.value("legacy_boot", false)) return incus::Firmware::kBios;
  return view.value("secure_boot", false) ? incus::Firmware::kUefiSecureBoot
                                          : incus::Firmware::kUefi;
}

void create_target(state::Store& store, StepReporter& rep, const Parts& p, const std::string& uuid,
                   const std::function<void()>& check) {
  incus::IncusClient ic(target_endpoint(store, p.d.target));
  const std::string name = p.q.instance_name;
  const std::string project = p.d.project.empty() ? "default" : p.d.project;
  for (size_t i = 1; i < p.d.disks.size(); ++i) {
    check();
    try {
      ic.create_custom_volume(p.d.disks[i].pool, project,
                              {volume_name(name, i),
                               std::to_string(p.d.disks[i].capacity) + "B",
                               "block",
                               "",
                               {{kOwnerKey, uuid}}});
    } catch (const incus::IncusError& e) {
      if (e.code() != 409 && e.code() != 500) throw;
      // Ours from before a restart, or someone else's that must not be overwritten.
      const incus::StorageVolume v =
          ic.custom_volume(p.d.disks[i].pool, project, volume_name(name, i));
      auto owner = v.config.find(kOwnerKey);
      if (owner == v.config.end() || owner->second != uuid) {
        throw std::runtime_error("a volume named \"" + volume_name(name, i) +
                                 "\" already exists in pool \"" + p.d.disks[i].pool +
                                 "\" and was not created by this migration");
      }
    }
  }
  incus::InstanceSpec spec;
  spec.name = name;
  spec.description = "Migrated from " + p.view.value("location", std::string());
  spec.cpus = static_cast<int>(std::max<int64_t>(1, p.view.value("cpus", int64_t{1})));
  spec.memory_bytes =
      static_cast<uint64_t>(std::max<int64_t>(1 << 20, p.view.value("memory", int64_t{1} << 30)));
  spec.firmware = firmware_of(p.view);
  spec.tpm = p.view.value("tpm", false);
  const json nics = p.view.value("nics", json::array());
  for (size_t i = 0; i < nics.size(); ++i) {
    incus::NicSpec n;
    n.device = "eth" + std::to_string(i);
    n.hwaddr = nics[i].value("hardware_address", std::string());
    std::string net = "", type = "managed", vlan;
    if (i < p.d.nic_networks.size()) {
      const std::string& s = p.d.nic_networks[i];
      const size_t a = s.find('|'), b = s.find('|', a + 1);
      net = s.substr(0, a);
      type = s.substr(a + 1, b - a - 1);
      vlan = s.substr(b + 1);
    }
    if (type == "managed" || type.empty()) {
      n.network = net;
    } else {
      n.nictype = type == "physical" ? "physical" : "bridged";
      n.parent = net;
      n.vlan = vlan;
    }
    spec.nics.push_back(std::move(n));
  }
  if (p.d.disks.empty()) throw std::runtime_error("the instance has no disks");
  spec.disks.push_back(
      {"root", p.d.disks[0].pool, "/", std::to_string(p.d.disks[0].capacity) + "B", "", {}});
  for (size_t i = 1; i < p.d.disks.size(); ++i) {
    spec.disks.push_back(
        {"disk" + std::to_string(i), p.d.disks[i].pool, "", "", volume_name(name, i), {}});
  }
  // Our instances carry the source instance's UUID, so a restarted step recognises the one it
  // created, and never takes over (and overwrites the disks of) someone else's.
  spec.config[kOwnerKey] = uuid;
  check();
  try {
    ic.create_instance(project, spec);
  } catch (const incus::IncusError& e) {
    std::optional<incus::Instance> existing;
    try {
      existing = ic.instance(project, name);
    } catch (const std::exception&) {
      throw e;
    }
    auto owner = existing->config.find(kOwnerKey);
    if (owner == existing->config.end() || owner->second != uuid) {
      throw std::runtime_error("an instance named \"" + name + "\" already exists in project \"" +
                               project + "\" of target \"" + p.d.target +
                               "\" and was not created by this migration");
    }
  }
  std::vector<std::string> paths;
  paths.push_back(incus::locate_instance_root_volume(ic, p.d.disks[0].pool, project, name).path);
  for (size_t i = 1; i < p.d.disks.size(); ++i) {
    paths.push_back(
        incus::locate_custom_volume(ic, p.d.disks[i].pool, project, volume_name(name, i)).path);
  }
  rep.update(uuid, [&](QueueData& d, std::string&) {
    for (size_t i = 0; i < d.disks.size() && i < paths.size(); ++i) {
      d.disks[i].target_path = paths[i];
      d.disks[i].volume = i == 0 ? "" : volume_name(name, i);
    }
  });
}

void DecileProgressEvents::report(const DiskCopyProgress& pr, const std::string& message) {
  const int decile = pr.bytes_total > 0 ? static_cast<int>(pr.bytes_done * 10 / pr.bytes_total) : 0;
  if (decile == last_decile_) return;
  last_decile_ = decile;
  rep_.event(uuid_, type_, message,
             {{"disk", disk_}, {"bytes_done", pr.bytes_done}, {"bytes_total", pr.bytes_total}});
}

}  // namespace mm::migration::steps_detail
