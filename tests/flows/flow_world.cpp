#include "tests/flows/flow_world.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <thread>
#include <vector>

#include "orchestrator/incus/client.h"
#include "orchestrator/inventory/sync.h"
#include "orchestrator/vmware/vmware_client.h"
#include "tests/support/guest_disk.h"

namespace mm::test {

using nlohmann::json;

namespace {

std::string plain_fingerprint(std::string fp);

void register_source(state::Store& store, const std::string& name, const VmwareSim& sim) {
  state::SourceRecord s;
  s.name = name;
  s.endpoint = sim.url();
  s.username = VmwareSim::kUser;
  s.password = VmwareSim::kPassword;
  s.trusted_fingerprint = plain_fingerprint(sim.fingerprint());
  store.create_source(s);
  vmware::VmwareConnector connector;
  const auto synced = inventory::sync_source(store, connector, name);
  if (!synced.error.empty()) throw std::runtime_error("inventory sync: " + synced.error);
  // The lab has no network named after the port groups: map them, as `network edit` would.
  for (const state::NetworkRecord& n : store.list_networks()) {
    store.set_network_override(n.uuid, R"({"network":"incusbr0","nictype":"managed"})");
  }
}

std::string plain_fingerprint(std::string fp) {
  fp.erase(std::remove(fp.begin(), fp.end(), ':'), fp.end());
  for (char& c : fp) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return fp;
}

}  // namespace

FlowWorld::FlowWorld(IncusLab& lab, const std::string& model_json, migration::TimePoint start,
                     bool in_process, bool mounted)
    : lab_(lab), clock_(start) {
  set_time(start);
  sim_ = std::make_unique<VmwareSim>("esxi", model_json);
  store_ = state::Store::open_dir(dir_.file("state"));

  register_source(*store_, "esxi01", *sim_);
  add_target("incus01");

  if (!in_process) return;
  copier_ = std::make_unique<migration::WorkerCopier>(
      migration::WorkerCopierOptions{mm_transfer(), 3, std::chrono::milliseconds(200)});
  migration::StepsOptions so;
  so.work_dir = dir_.file("work");
  if (mounted) so.datastore_dirs["datastore-01"] = sim_->datastore_dir();
  so.mm_transfer_path = mm_transfer();  // cold migrations run `mm-transfer inspect`
  so.artifacts_dir = artifacts_dir();   // VDDK only once a test uploads an sdk artifact
  steps_ = std::make_unique<migration::MigrationSteps>(*store_, *copier_, so);
  scheduler_ = std::make_unique<migration::Scheduler>(
      *store_, clock_, *steps_, migration::SchedulerOptions{std::chrono::milliseconds(50)});
  scheduler_->start();
}

FlowWorld::~FlowWorld() {
  if (!scheduler_) return;
  scheduler_->stop();
  steps_->stop_all();
  scheduler_.reset();
  steps_.reset();
}

void FlowWorld::set_time(migration::TimePoint t) {
  clock_.set(t);
  const std::string tmp = clock_file() + ".tmp";
  std::ofstream(tmp)
      << std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count() << "\n";
  std::rename(tmp.c_str(), clock_file().c_str());
}

VmwareSim& FlowWorld::add_source(const std::string& name, const std::string& kind,
                                 const std::string& model_json) {
  more_sims_.push_back(std::make_unique<VmwareSim>(kind, model_json));
  register_source(*store_, name, *more_sims_.back());
  return *more_sims_.back();
}

void FlowWorld::add_target(const std::string& name) {
  const target::TargetEndpoint te = lab_.endpoint();
  state::TargetRecord t;
  t.name = name;
  t.endpoint = te.url;
  t.tls_client_cert = te.tls_client_cert;
  t.tls_client_key = te.tls_client_key;
  t.trusted_fingerprint = te.trusted_fingerprint;
  store_->create_target(t);
}

std::string FlowWorld::flat_image(const std::string& vm) const {
  return flat_image(*sim_, vm);
}

std::string FlowWorld::flat_image(const VmwareSim& sim, const std::string& vm) const {
  return flat_image_path(sim.datastore_dir(), vm);
}

void FlowWorld::guest_write(const std::string& vm, uint64_t offset, uint64_t length,
                            uint32_t seed) {
  guest_write(*sim_, vm, offset, length, seed);
}

void FlowWorld::guest_write(const VmwareSim& sim, const std::string& vm, uint64_t offset,
                            uint64_t length, uint32_t seed) {
  write_guest_data(flat_image(sim, vm), offset, length, seed);
}

void FlowWorld::add_batch(const json& batch, bool start) {
  state::BatchRecord r;
  r.name = batch.at("name").get<std::string>();
  r.config = batch.dump();
  store_->create_batch(r);
  if (start) start_batch(r.name);
}

void FlowWorld::start_batch(const std::string& name) {
  const state::BatchRecord r = store_->mark_batch_started(name, "2025-12-01T00:00:00Z");
  store_->set_batch_status(r.id, "Queued", "");
  if (scheduler_) scheduler_->wake();
}

bool FlowWorld::wait_for(const std::function<bool()>& pred, int seconds, int poll_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(poll_ms));
  }
  return pred();
}

std::string FlowWorld::uuid_of(const std::string& name) {
  for (const state::QueueRecord& q : store_->list_queue()) {
    if (q.instance_name == name) return q.instance_uuid;
  }
  return "";
}

std::string FlowWorld::stage(const std::string& name) {
  for (const state::QueueRecord& q : store_->list_queue()) {
    if (q.instance_name == name) return q.stage;
  }
  return "";
}

std::string FlowWorld::status(const std::string& name) {
  for (const state::QueueRecord& q : store_->list_queue()) {
    if (q.instance_name == name) return q.status + ": " + q.status_message;
  }
  return "";
}

std::vector<std::string> FlowWorld::event_types(const std::string& name) {
  std::vector<std::string> out;
  for (const auto& e : store_->list_queue_events(uuid_of(name))) {
    if (e.type.ends_with(".progress")) continue;
    out.push_back(e.type);
  }
  return out;
}

std::string FlowWorld::history(const std::string& name) {
  std::string out = "  queue:";
  for (const auto& q : store_->list_queue()) out += " " + q.instance_name + "=" + q.stage;
  for (const auto& b : store_->list_batches()) out += " | batch " + b.name + " " + b.status;
  out += "\n";
  for (const auto& e : store_->list_queue_events(uuid_of(name))) {
    out += "  " + e.time + " " + e.type + " " + e.message + "\n";
  }
  return out;
}

std::string FlowWorld::digest(const std::string& path) {
  const std::string out = must_run(mm_transfer() + " checksum '" + path + "'");
  return out.substr(0, out.find_first_of(" \n"));
}

std::string FlowWorld::target_root_path(const std::string& name) {
  for (const state::QueueRecord& q : store_->list_queue()) {
    if (q.instance_name != name) continue;
    const auto d = migration::parse_queue_data(q.data);
    return d.disks.empty() ? "" : d.disks[0].target_path;
  }
  return "";
}

std::string FlowWorld::source_power_state(const std::string& vm_name) {
  vmware::VmwareClient vc(sim_->endpoint());
  vc.connect();
  for (const auto& vm : vc.inventory().vms) {
    if (vm.name == vm_name) return vm.power_state;
  }
  return "";
}

nlohmann::json window_batch(const std::string& name, const std::string& include) {
  return {
      {"name", name},
      {"include_expression", include},
      {"migration_windows",
       {{{"name", "window1"}, {"start", "2025-12-01T01:00:00Z"}, {"end", "2025-12-01T01:10:00Z"}}}},
      {"constraints", json::array()},
      {"defaults",
       {{"placement",
         {{"target", "incus01"}, {"target_project", "default"}, {"storage_pool", "default"}}},
        {"migration_network", json::array()}}},
      {"config",
       {{"rerun_scriptlets", false},
        {"placement_scriptlet", ""},
        {"post_migration_retries", 5},
        {"instance_restriction_overrides",
         {{"allow_unknown_os", false},
          {"allow_no_ipv4", false},
          {"allow_no_background_import", false}}},
        {"background_sync_interval", "1h"},
        {"final_background_sync_limit", "10m"}}}};
}

}  // namespace mm::test
