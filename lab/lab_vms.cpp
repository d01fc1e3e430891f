#include "lab/lab_vms.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "orchestrator/vmware/vmware_client.h"
#include "tests/support/guest_disk.h"

namespace mm::lab {

namespace {

constexpr uint64_t kMiB = 1 << 20;

uint64_t next(uint64_t& s) {  // splitmix64: deterministic runs per seed
  uint64_t z = (s += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

}  // namespace

std::vector<LabVm> lab_vms(int n) {
  if (n < 1 || n > 9) throw std::invalid_argument("--vms must be between 1 and 9");
  // The documents' VMs (000: their UUIDs, OS strings, CPUs and memory).
  const std::vector<LabVm> kinds = {
      {"CentOS9", "5263adbf-dbca-eb36-3019-b09743f40b6d", "centos9_64Guest", "CentOS Stream 9",
       "efi", "10.10.0.14", 6, 6144, 256 * kMiB},
      {"Debian12", "52d89a93-ff8f-9dea-4d74-ec99beb1d2d4", "debian12_64Guest",
       "Debian GNU/Linux 12 (bookworm)", "bios", "10.10.0.13", 3, 6144, 128 * kMiB},
      {"Win2016", "52cfcb6b-20ee-add3-adc9-68c63ca9adfd", "windows9Server64Guest",
       "Windows Server 2016, 64-bit (Build 14393.693)", "bios", "10.10.0.11", 2, 4096, 192 * kMiB},
  };
  std::vector<LabVm> out;
  for (int i = 0; i < n; ++i) {
    LabVm vm = kinds[i % kinds.size()];
    if (i >= static_cast<int>(kinds.size())) {
      const std::string k = std::to_string(i / kinds.size() + 1);
      vm.name += "-" + k;
      vm.uuid.replace(vm.uuid.size() - 1, 1, k);  // still a UUID, and a new one
      vm.ip = "10.10.1." + std::to_string(10 + i);
    }
    out.push_back(vm);
  }
  return out;
}

std::string simulator_model(const std::vector<LabVm>& vms) {
  nlohmann::json m;
  m["datastores"] = {{{"name", "datastore-01"}, {"path", "@DS@"}}};
  m["networks"] = {{{"name", "VMWARE"}}};
  m["vms"] = nlohmann::json::array();
  for (const LabVm& vm : vms) {
    m["vms"].push_back({{"name", vm.name},
                        {"instance_uuid", vm.uuid},
                        {"guest_id", vm.guest_id},
                        {"guest_os", vm.guest_os},
                        {"firmware", vm.firmware},
                        {"cpus", vm.cpus},
                        {"memory_mb", vm.memory_mb},
                        {"power_state", "poweredOn"},
                        {"change_tracking", true},
                        {"disks", {{{"capacity", vm.disk_bytes}}}},
                        {"nics", {{{"network", "VMWARE"}, {"ips", {vm.ip}}}}}});
  }
  return m.dump(2);
}

uint64_t fill_disk(const std::string& image, uint64_t size, uint32_t seed) {
  uint64_t s = seed;
  uint64_t at = 0, written = 0;
  while (at < size) {
    // A data run, then a hole of about the same mean length: half the disk is data.
    const uint64_t run = std::min<uint64_t>((next(s) % 16 + 1) * 256 * 1024, size - at);
    test::write_guest_data(image, at, run, static_cast<uint32_t>(next(s)));
    written += run;
    at += run + (next(s) % 16 + 1) * 256 * 1024;
  }
  return written;
}

GuestChurn::GuestChurn(source::SourceEndpoint sim,
                       std::vector<std::pair<LabVm, std::string>> vm_images)
    : sim_(std::move(sim)), vms_(std::move(vm_images)) {}

GuestChurn::~GuestChurn() = default;

void GuestChurn::connect() {
  auto c = std::make_unique<vmware::VmwareClient>(sim_);
  c->connect();
  morefs_.assign(vms_.size(), "");
  for (const source::VmInfo& v : c->inventory().vms) {
    for (size_t i = 0; i < vms_.size(); ++i) {
      if (vms_[i].first.name == v.name) morefs_[i] = v.moref;
    }
  }
  client_ = std::move(c);
}

GuestChurn::Tick GuestChurn::tick() {
  Tick t;
  try {
    if (!client_) connect();
  } catch (const std::exception&) {
    client_.reset();
    return t;
  }
  for (size_t i = 0; i < vms_.size(); ++i) {
    const LabVm& vm = vms_[i].first;
    // The data first, so that the write follows the power check within microseconds.
    std::vector<std::pair<uint64_t, std::vector<char>>> writes;
    for (int w = 0; w < 3; ++w) {
      const uint64_t len = (next(rng_) % 8 + 1) * 64 * 1024;
      const uint64_t slots = (vm.disk_bytes - len) / (64 * 1024);
      writes.emplace_back((next(rng_) % slots) * 64 * 1024, test::guest_pattern(len, ++seed_));
    }
    try {
      if (morefs_[i].empty() || client_->power_state(morefs_[i]) != "poweredOn") continue;
    } catch (const std::exception&) {
      client_.reset();  // reconnect at the next tick
      return t;
    }
    for (const auto& [offset, data] : writes) {
      test::write_guest_bytes(vms_[i].second, offset, data);
      t.bytes += data.size();
    }
    ++t.vms_written;
  }
  return t;
}

}  // namespace mm::lab
