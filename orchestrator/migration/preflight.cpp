#include "orchestrator/migration/preflight.h"

#include <chrono>
#include <cmath>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include "common/go_duration.h"
#include "orchestrator/batch/batch_json.h"
#include "orchestrator/batch/batch_match.h"
#include "orchestrator/incus/client.h"
#include "orchestrator/incus/error.h"
#include "orchestrator/inventory/instance_view.h"
#include "orchestrator/inventory/overrides.h"
#include "orchestrator/inventory/sync.h"
#include "orchestrator/migration/cold_request.h"
#include "orchestrator/migration/placement.h"
#include "orchestrator/starlark/placement.h"
#include "orchestrator/state/instance_name.h"

namespace mm::migration {
namespace {

using nlohmann::json;

constexpr const char* kOwnerKey = "user.migration-manager.instance";

int rank(const std::string& r) {
  return r == "Fail" ? 2 : r == "Warn" ? 1 : 0;
}

std::string iec(double bytes) {
  static const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  size_t u = 0;
  while (bytes >= 1024 && u + 1 < std::size(kUnits)) {
    bytes /= 1024;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f%s" : "%.2f%s", bytes, kUnits[u]);
  return buf;
}

struct Throughput {
  double bytes_per_second = kDefaultThroughput;
  std::string source;  // "default" or "file PATH"
  std::string note;    // why the default was used
};

Throughput load_throughput(const std::string& path) {
  Throughput t;
  t.source = "default";
  if (path.empty()) {
    t.note = "no measurements file given (migration-managerd --throughput-file)";
    return t;
  }
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  const json j = json::parse(ss.str(), nullptr, false);
  auto it = j.is_object() ? j.find("throughput_bytes_per_second") : j.end();
  if (!in || it == j.end() || !it->is_number() || it->get<double>() <= 0) {
    t.note = "measurements file " + path + " has no throughput_bytes_per_second";
    return t;
  }
  t.bytes_per_second = it->get<double>();
  t.source = "file " + path;
  return t;
}

// The checks of one instance, in the order the answer lists them.
class Checks {
 public:
  void add(const std::string& check, const std::string& result, const std::string& reason) {
    list_.push_back({{"check", check}, {"result", result}, {"reason", reason}});
    verdict_ = worse(verdict_, result);
  }
  json list() const { return list_; }
  const std::string& verdict() const { return verdict_; }

 private:
  json list_ = json::array();
  std::string verdict_ = "Pass";
};

struct Plan {
  std::string kind;  // cold | warm
  batch::RestrictionOverrides allow;
  std::optional<Placement> placement;
  std::string placement_error;
  std::map<std::string, std::string> network_map;  // explicit (request), source -> target
};

int64_t as_int(const json& j, const char* key, int64_t fallback = 0) {
  auto it = j.find(key);
  return it != j.end() && it->is_number_integer() ? it->get<int64_t>() : fallback;
}

// Incus's project state: resources.NAME.{limit,usage}; limit -1 is unlimited.
void check_project(incus::IncusClient& ic, const std::string& project, int64_t cpus, int64_t memory,
                   int64_t disk_bytes, Checks& c) {
  const incus::Reply r = ic.call("GET", "/1.0/projects/" + project + "/state");
  if (r.error_code != 0) {
    c.add("project_limits", "Fail", "project \"" + project + "\": " + r.error);
    return;
  }
  const json res =
      r.metadata.is_object() ? r.metadata.value("resources", json::object()) : json::object();
  std::vector<std::string> short_of;
  auto need = [&](const char* name, int64_t amount, bool bytes) {
    const json one = res.value(name, json::object());
    const int64_t limit = as_int(one, "limit", -1), usage = as_int(one, "usage", 0);
    if (limit < 0) return;
    if (usage + amount > limit) {
      auto show = [&](int64_t v) {
        return bytes ? iec(static_cast<double>(v)) : std::to_string(v);
      };
      short_of.push_back(std::string(name) + ": needs " + show(amount) + ", " +
                         show(std::max<int64_t>(0, limit - usage)) + " of " + show(limit) +
                         " left");
    }
  };
  need("instances", 1, false);
  need("cpu", cpus, false);
  need("memory", memory, true);
  need("disk", disk_bytes, true);
  if (short_of.empty()) {
    c.add("project_limits", "Pass",
          "project \"" + project + "\" has room for " + std::to_string(cpus) + " CPU(s), " +
              iec(static_cast<double>(memory)) + " memory, " +
              iec(static_cast<double>(disk_bytes)) + " of disks");
  } else {
    std::string why;
    for (const auto& s : short_of) why += (why.empty() ? "" : "; ") + s;
    c.add("project_limits", "Fail", "project \"" + project + "\" limits: " + why);
  }
}

void check_pools(incus::IncusClient& ic, const std::map<std::string, int64_t>& by_pool, Checks& c) {
  for (const auto& [pool, bytes] : by_pool) {
    const incus::Reply r = ic.call("GET", "/1.0/storage-pools/" + pool + "/resources");
    if (r.error_code != 0) {
      c.add("storage_pool", "Fail", "pool \"" + pool + "\": " + r.error);
      continue;
    }
    const json space =
        r.metadata.is_object() ? r.metadata.value("space", json::object()) : json::object();
    const int64_t total = as_int(space, "total"), used = as_int(space, "used");
    const int64_t free = std::max<int64_t>(0, total - used);
    if (total <= 0) {
      c.add("storage_pool", "Warn", "pool \"" + pool + "\" does not report its size");
    } else if (bytes > free) {
      c.add("storage_pool", "Fail",
            "pool \"" + pool + "\" has " + iec(static_cast<double>(free)) +
                " free, the disks need " + iec(static_cast<double>(bytes)));
    } else {
      c.add("storage_pool", "Pass",
            "pool \"" + pool + "\" has " + iec(static_cast<double>(free)) + " free for " +
                iec(static_cast<double>(bytes)) + " of disks");
    }
  }
}

json check_instance(state::Store& store, const state::InstanceRecord& inst, const Plan& plan,
                    const std::vector<state::NetworkRecord>& networks, const Throughput& tp) {
  const json view = inventory::instance_view(inst, true);
  const bool cold = plan.kind == "cold";
  Checks c;

  // Change tracking: what a warm migration needs; a cold one copies whole disks with the source
  // off.
  if (view.value("background_import", false)) {
    c.add("change_tracking", "Pass", "change tracking is enabled");
  } else {
    c.add("change_tracking", cold || plan.allow.allow_no_background_import ? "Warn" : "Fail",
          cold ? "change tracking is not enabled: not needed for a cold migration (warm migration "
                 "would need it)"
               : "change tracking is not enabled: warm migration needs it (or a cold migration)");
  }
  const std::string os = view.value("os", std::string()), os_v = view.value("os_version", "");
  if (!os.empty() && !os_v.empty()) {
    c.add("guest_os", "Pass", os_v);
  } else {
    c.add("guest_os", cold || plan.allow.allow_unknown_os ? "Warn" : "Fail",
          "the source does not know the guest OS (guest agent not running?)" +
              std::string(cold ? "; the inspection reads it from the copied disk" : ""));
  }
  std::string ipv4;
  const json nics = view.value("nics", json::array());
  for (const auto& n : nics) {
    if (ipv4.empty()) ipv4 = n.value("ipv4_address", std::string());
  }
  if (!ipv4.empty() || nics.empty()) {
    c.add("ipv4", "Pass", ipv4.empty() ? "no NICs" : ipv4);
  } else {
    c.add("ipv4", cold || plan.allow.allow_no_ipv4 ? "Warn" : "Fail",
          "the source does not know the IPv4 address (guest agent not running?)");
  }
  int64_t disk_bytes = 0;
  std::vector<std::string> unsupported;
  const json disks = view.value("disks", json::array());
  for (const auto& d : disks) {
    disk_bytes += d.value("capacity", int64_t{0});
    if (!d.value("supported", true)) unsupported.push_back(d.value("name", std::string()));
  }
  if (unsupported.empty()) {
    c.add("disks", disks.empty() ? "Fail" : "Pass",
          disks.empty()
              ? "the instance has no disks"
              : std::to_string(disks.size()) + " disk(s), " + iec(static_cast<double>(disk_bytes)));
  } else {
    std::string names;
    for (const auto& n : unsupported) names += (names.empty() ? "\"" : ", \"") + n + "\"";
    c.add("disks", "Fail",
          "disk " + names +
              ": independent, shared or raw device mapping (RDM) disks cannot be "
              "migrated");
  }

  json placement = nullptr;
  if (!plan.placement) {
    c.add("target", "Fail", plan.placement_error);
  } else {
    const Placement& p = *plan.placement;
    placement = {{"target", p.target}, {"project", p.project}, {"pools", p.disk_pools}};
    std::optional<state::TargetRecord> t = store.get_target(p.target);
    std::optional<incus::IncusClient> ic;
    std::string target_error;
    if (!t) {
      target_error = "target \"" + p.target + "\" does not exist";
    } else {
      try {
        ic.emplace(inventory::target_endpoint(store, *t));
        ic->set_request_timeout(std::chrono::seconds(10));
        ic->check_trusted();
      } catch (const std::exception& e) {
        target_error = "target \"" + p.target + "\" cannot be reached: " + e.what();
        ic.reset();
      }
    }
    if (!ic) {
      c.add("target", "Fail", target_error);
    } else {
      c.add("target", "Pass", "target \"" + p.target + "\" project \"" + p.project + "\"");
      std::map<std::string, int64_t> by_pool;
      for (size_t i = 0; i < disks.size() && i < p.disk_pools.size(); ++i) {
        by_pool[p.disk_pools[i]] += disks[i].value("capacity", int64_t{0});
      }
      check_pools(*ic, by_pool, c);
      check_project(*ic, p.project, view.value("cpus", int64_t{1}),
                    view.value("memory", int64_t{0}), disk_bytes, c);
      // Every NIC's network: mapped (explicitly, or `network list`'s target network) and there.
      std::set<std::string> present;
      try {
        for (const auto& n : ic->networks(p.project)) present.insert(n.name);
      } catch (const std::exception& e) {
        c.add("networks", "Fail", std::string("listing the target's networks: ") + e.what());
      }
      for (size_t i = 0; i < nics.size() && i < p.nics.size(); ++i) {
        const NicPlacement& np = p.nics[i];
        std::string source_net = "?";
        bool explicitly = false;
        for (const state::NetworkRecord& n : networks) {
          if (n.uuid != nics[i].value("uuid", std::string())) continue;
          source_net = network_display_name(n);
          explicitly = inventory::placement_from_stored(n.override_json).network != "";
          for (const auto& [src, dst] : plan.network_map) explicitly |= network_matches(n, src);
        }
        const std::string nic =
            "NIC " + np.hardware_address + " (source network \"" + source_net + "\")";
        if (np.nictype == "bridged" || np.nictype == "physical") {
          c.add("networks", "Warn",
                nic + ": " + np.nictype + " parent \"" + np.network +
                    "\" is a host interface, not checked");
        } else if (np.network.empty()) {
          c.add("networks", "Fail", nic + ": not mapped to a target network");
        } else if (!present.count(np.network)) {
          c.add("networks", "Fail",
                nic + ": network \"" + np.network + "\" does not exist on the target" +
                    (explicitly ? ""
                                : " (not mapped: the source's name was used; map it with "
                                  "`network edit` or --network-map)"));
        } else {
          c.add("networks", "Pass", nic + " -> \"" + np.network + "\"");
        }
      }
      const std::string name = state::target_instance_name(inst.name);
      try {
        const incus::Instance existing = ic->instance(p.project, name);
        auto owner = existing.config.find(kOwnerKey);
        if (owner != existing.config.end() && owner->second == inst.uuid) {
          c.add("name", "Pass", "\"" + name + "\" exists and was created by this migration");
        } else {
          c.add("name", "Fail",
                "an instance \"" + name + "\" already exists on the target and is not ours");
        }
      } catch (const incus::IncusError& e) {
        if (e.code() == 404) {
          c.add("name", "Pass", "\"" + name + "\" is free on the target");
        } else {
          c.add("name", "Fail", std::string("checking \"") + name + "\": " + e.what());
        }
      }
    }
  }
  const double seconds = static_cast<double>(disk_bytes) / tp.bytes_per_second;
  const auto est = std::chrono::seconds(static_cast<int64_t>(std::ceil(seconds)));
  c.add("copy_time", "Pass",
        "about " + mm::format_go_duration(est) + " for " + iec(static_cast<double>(disk_bytes)) +
            " at " + iec(tp.bytes_per_second) + "/s (" +
            (tp.source == "default" ? "default: " + tp.note : "measured, " + tp.source) + ")");
  return {{"instance", inst.name},  {"uuid", inst.uuid},
          {"kind", plan.kind},      {"verdict", c.verdict()},
          {"placement", placement}, {"estimated_copy_seconds", est.count()},
          {"checks", c.list()}};
}

}  // namespace

std::string worse(const std::string& a, const std::string& b) {
  return rank(b) > rank(a) ? b : a;
}

json Preflight::run(const json& request) {
  if (!request.is_object()) throw std::invalid_argument("the body must be a JSON object");
  static const std::set<std::string> kKnown = {"instances", "batch", "kind",       "target",
                                               "project",   "pool",  "network_map"};
  for (auto it = request.begin(); it != request.end(); ++it) {
    if (!kKnown.count(it.key())) throw std::invalid_argument("unknown field \"" + it.key() + "\"");
  }
  const bool by_batch = request.contains("batch") && !request["batch"].is_null();
  const bool by_list = request.contains("instances") && !request["instances"].is_null();
  if (by_batch == by_list) {
    throw std::invalid_argument("give either \"instances\" (a list) or \"batch\" (a name)");
  }
  const std::vector<state::NetworkRecord> networks = store_.list_networks();
  std::vector<std::pair<state::InstanceRecord, Plan>> todo;

  if (by_batch) {
    if (!request["batch"].is_string()) throw std::invalid_argument("batch: must be a string");
    const std::string name = request["batch"].get<std::string>();
    std::optional<state::BatchRecord> rec = store_.get_batch(name);
    if (!rec) {
      throw state::StoreError(state::StoreError::Kind::kNotFound,
                              "batch \"" + name + "\" not found");
    }
    batch::BatchConfig cfg = batch::config_of(*rec);
    const json cfg_json = json::parse(rec->config);
    std::shared_ptr<starlark::PlacementScript> script;
    std::string script_error;
    if (!cfg.placement_scriptlet.empty()) {
      try {
        script = std::make_shared<starlark::PlacementScript>(
            starlark::PlacementScript::compile(cfg.placement_scriptlet));
      } catch (const std::exception& e) {
        script_error = std::string("placement scriptlet: ") + e.what();
      }
    }
    for (state::InstanceRecord& inst : batch::matching_instances(store_, cfg.include_expression)) {
      Plan plan;
      plan.kind = cfg.kind == "cold" ? "cold" : "warm";
      plan.allow = cfg.instance_restriction_overrides;
      if (!script_error.empty()) {
        plan.placement_error = script_error;
      } else {
        try {
          plan.placement = place_instance(cfg, cfg_json, script.get(),
                                          inventory::instance_view(inst, true), networks);
        } catch (const std::exception& e) {
          plan.placement_error = e.what();
        }
      }
      todo.emplace_back(std::move(inst), std::move(plan));
    }
  } else {
    if (!request["instances"].is_array()) {
      throw std::invalid_argument("instances: must be a list of names or UUIDs");
    }
    const std::string kind = request.value("kind", std::string("cold"));
    if (kind != "cold" && kind != "warm") {
      throw std::invalid_argument("kind: must be \"cold\" or \"warm\"");
    }
    for (const json& item : request["instances"]) {
      if (!item.is_string()) throw std::invalid_argument("instances: must be a list of strings");
      state::InstanceRecord inst;
      try {
        inst = find_instance(store_, item.get<std::string>());
      } catch (const std::invalid_argument& e) {
        throw state::StoreError(state::StoreError::Kind::kNotFound, e.what());
      }
      json cold_body = {{"instance", inst.uuid}};
      for (const char* k : {"target", "project", "pool", "network_map"}) {
        if (request.contains(k) && !request[k].is_null()) cold_body[k] = request[k];
      }
      Plan plan;
      plan.kind = kind;
      if (kind == "cold") plan.allow = {true, true, true};
      if (!cold_body.contains("target")) {
        // One target: the obvious one. Several: the user must say.
        const auto targets = store_.list_targets();
        if (targets.size() == 1) cold_body["target"] = targets.front().name;
      }
      try {
        const ColdRequest cr = parse_cold_request(cold_body);
        plan.network_map = cr.network_map;
        batch::BatchConfig cfg = cold_batch(cr, inst, networks);
        std::shared_ptr<starlark::PlacementScript> script;
        if (!cfg.placement_scriptlet.empty()) {
          script = std::make_shared<starlark::PlacementScript>(
              starlark::PlacementScript::compile(cfg.placement_scriptlet));
        }
        plan.placement = place_instance(cfg, batch::batch_to_json(cfg), script.get(),
                                        inventory::instance_view(inst, true), networks);
      } catch (const std::exception& e) {
        plan.placement_error = std::string(e.what()) == "target: required"
                                   ? "no target given (--target) and not exactly one target"
                                   : e.what();
      }
      todo.emplace_back(std::move(inst), std::move(plan));
    }
  }

  const Throughput tp = load_throughput(options_.throughput_file);
  json out = json::array();
  for (const auto& [inst, plan] : todo) {
    out.push_back(check_instance(store_, inst, plan, networks, tp));
  }
  return {{"throughput", {{"bytes_per_second", tp.bytes_per_second}, {"source", tp.source}}},
          {"instances", out}};
}

}  // namespace mm::migration
