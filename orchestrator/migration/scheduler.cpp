#include "orchestrator/migration/scheduler.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>
#include <set>

#include "orchestrator/artifacts/disk_access.h"
#include "orchestrator/batch/batch_json.h"
#include "orchestrator/batch/batch_match.h"
#include "orchestrator/batch/window_time.h"
#include "orchestrator/expr/program.h"
#include "orchestrator/inventory/clock.h"
#include "orchestrator/inventory/instance_view.h"
#include "orchestrator/inventory/overrides.h"
#include "orchestrator/migration/placement.h"
#include "orchestrator/starlark/placement.h"
#include "orchestrator/state/instance_name.h"

namespace mm::migration {
namespace {

using batch::BatchConfig;
using nlohmann::json;

constexpr const char* kMsgWaitingWindow = "Waiting for migration window";

std::string rfc3339(TimePoint t) {
  return inventory::format_rfc3339(t);
}

// The times stored in QueueData (RFC 3339); epoch for "" (an unset lockout or end).
TimePoint parse_time(const std::string& s) {
  return batch::parse_window_time(s).value_or(TimePoint{});
}

// A window's end, where unset (the zero time) means the window never closes.
bool before_end(TimePoint now, TimePoint end) {
  return end == TimePoint{} || now < end;
}
std::string rfc3339_or_unset(TimePoint t) {
  return t == TimePoint{} ? "" : rfc3339(t);
}

// What must not change between queueing and cutover for the target to still fit the source.
std::string instance_fingerprint(const json& view) {
  json f = {{"cpus", view.value("cpus", 0)}, {"memory", view.value("memory", 0)}};
  f["disks"] = json::array();
  for (const auto& d : view.value("disks", json::array())) {
    f["disks"].push_back({d.value("name", std::string()), d.value("capacity", int64_t{0})});
  }
  f["nics"] = json::array();
  for (const auto& n : view.value("nics", json::array())) {
    f["nics"].push_back(n.value("hardware_address", std::string()));
  }
  return f.dump();
}

std::string describe_change(const std::string& before, const std::string& after) {
  const json a = json::parse(before.empty() ? "{}" : before);
  const json b = json::parse(after);
  std::vector<std::string> what;
  for (const char* k : {"cpus", "memory", "disks", "nics"}) {
    if (a.value(k, json()) != b.value(k, json())) what.push_back(k);
  }
  std::string out;
  for (const auto& w : what) out += (out.empty() ? "" : ", ") + w;
  return out.empty() ? "properties" : out;
}

struct BatchView {
  state::BatchRecord rec;
  BatchConfig cfg;
  json cfg_json;
  std::optional<expr::Program> include;
  std::vector<std::optional<expr::Program>> constraint_programs;
  std::shared_ptr<starlark::PlacementScript> script;
  std::string error;  // the stored config no longer parses or compiles
};

bool eval(const std::optional<expr::Program>& p, const json& view) {
  if (!p) return false;
  try {
    return expr::matches_instance(*p, view);
  } catch (const std::exception&) {
    return false;  // a runtime error (missing field) is "no match", as in the reference
  }
}

const batch::Constraint* constraint_for(const BatchView& b, const json& view, size_t* index) {
  const batch::Constraint* found = nullptr;
  for (size_t i = 0; i < b.cfg.constraints.size(); ++i) {
    if (eval(b.constraint_programs[i], view)) {
      found = &b.cfg.constraints[i];
      *index = i;
    }
  }
  return found;
}

}  // namespace

std::string disk_progress_message(const char* verb, size_t index, size_t count,
                                  const std::string& backing, int64_t done, int64_t total) {
  const double pct = total > 0 ? 100.0 * static_cast<double>(done) / static_cast<double>(total) : 0;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2f", std::floor(pct * 100) / 100);
  return std::string(verb) + " disk (" + std::to_string(index) + "/" + std::to_string(count) +
         ") \"" + backing + "\": " + buf + "% complete";
}

std::string_view step_name(StepKind k) {
  switch (k) {
    case StepKind::kCreate:
      return "create";
    case StepKind::kBackgroundImport:
      return "background_import";
    case StepKind::kTopUp:
      return "top_up";
    case StepKind::kFinalImport:
      return "final_import";
    case StepKind::kPostMigration:
      return "post_migration";
    case StepKind::kExport:
      return "export";
    case StepKind::kInspect:
      return "inspect";
    case StepKind::kWriteVolume:
      return "write_volume";
    case StepKind::kGuestFixes:
      return "guest_fixes";
    case StepKind::kFinalize:
      return "finalize";
  }
  return "?";
}

Scheduler::Scheduler(state::Store& store, const Clock& clock, StepRunner& runner,
                     SchedulerOptions options)
    : store_(store), clock_(clock), runner_(runner), options_(options) {
  runner_.set_reporter(this);
}

Scheduler::~Scheduler() {
  stop();
  runner_.set_reporter(nullptr);
}

std::string Scheduler::now_text() const {
  return rfc3339(clock_.now());
}

// The entry and the events of its move are written in one transaction: a daemon killed between
// them would otherwise lose the events or, redoing the move, write them twice. An entry deleted
// meanwhile (its batch reset or removed) stays deleted.
bool Scheduler::save(state::QueueRecord& q, const QueueData& d, bool claim) {
  q.data = dump_queue_data(d);
  q.last_update = now_text();
  const bool saved = claim ? store_.claim_queue_entry(q, pending_events_)
                           : store_.update_queue_entry(q, pending_events_);
  pending_events_.clear();
  return saved;
}

void Scheduler::append_event(const state::QueueRecord& q, const std::string& type,
                             const std::string& message, const json& data) {
  state::QueueEventRecord e;
  e.instance_uuid = q.instance_uuid;
  e.instance_name = q.instance_name;
  e.batch = q.batch_name;
  e.time = now_text();
  e.type = type;
  e.message = message;
  e.data = data.is_null() ? "{}" : data.dump();
  pending_events_.push_back(std::move(e));
}

// Every stage change goes through here, so it follows the table.
void Scheduler::move(state::QueueRecord& q, Event e, std::string_view guard) {
  const Stage to = next_stage(parse_stage(q.stage), e, guard);
  q.stage = std::string(stage_name(to));
  q.status = std::string(stage_status(to));
}

TickStats Scheduler::tick() {
  TickStats stats;
  std::vector<std::pair<std::string, bool>> to_stop;  // uuid, restore the source afterwards
  // Steps start once their entry is saved: a step reads its entry from the store.
  std::vector<std::pair<std::string, StepKind>> to_start;
  {
    std::lock_guard lock(mu_);
    const TimePoint now = clock_.now();

    std::map<int64_t, BatchView> batches;
    std::vector<int64_t> started;  // claim order
    for (state::BatchRecord& r : store_.list_batches()) {
      BatchView b;
      b.rec = r;
      try {
        b.cfg_json = json::parse(r.config);
        b.cfg = batch::batch_from_json(b.cfg_json);
        b.cfg.name = r.name;
        if (!b.cfg.include_expression.empty()) {
          b.include = expr::compile_include(b.cfg.include_expression);
        }
        for (const auto& c : b.cfg.constraints) {
          b.constraint_programs.push_back(c.include_expression.empty()
                                              ? std::optional<expr::Program>()
                                              : expr::compile_include(c.include_expression));
        }
        if (!b.cfg.placement_scriptlet.empty()) {
          b.script = std::make_shared<starlark::PlacementScript>(
              starlark::PlacementScript::compile(b.cfg.placement_scriptlet));
        }
      } catch (const std::exception& e) {
        b.error = e.what();
      }
      if (r.status == "Queued" || r.status == "Running") started.push_back(r.id);
      batches.emplace(r.id, std::move(b));
    }
    std::sort(started.begin(), started.end(), [&](int64_t a, int64_t b) {
      return batches[a].rec.started_seq < batches[b].rec.started_seq;
    });
    stats.batches = batches.size();

    std::map<std::string, state::InstanceRecord> instances;
    for (state::InstanceRecord& i : store_.list_instances()) instances[i.uuid] = std::move(i);
    std::map<int64_t, state::SourceRecord> sources;
    for (state::SourceRecord& s : store_.list_sources()) sources[s.id] = std::move(s);
    const std::optional<artifacts::SdkChoice> sdk = artifacts::find_sdk(store_, "");
    // What include expressions see: the effective view plus source and source_type.
    std::map<std::string, json> views;
    auto view_of = [&](const std::string& uuid) -> const json& {
      auto it = views.find(uuid);
      if (it == views.end()) {
        const state::InstanceRecord& r = instances[uuid];
        auto src = sources.find(r.source_id);
        const std::string source_name = src == sources.end() ? "" : src->second.name;
        it = views.emplace(uuid, batch::filterable_view(r, source_name)).first;
      }
      return it->second;
    };
    std::map<std::string, state::QueueRecord> queue;
    for (state::QueueRecord& q : store_.list_queue()) queue[q.instance_uuid] = std::move(q);
    std::map<std::string, state::TargetRecord> targets;
    for (state::TargetRecord& t : store_.list_targets()) targets[t.name] = std::move(t);
    const std::vector<state::NetworkRecord> networks = store_.list_networks();

    // Claim: the earliest started batch wins an instance both match. Only instances no batch holds
    // are looked at, so a queued estate costs nothing here.
    std::vector<const state::InstanceRecord*> unclaimed;
    for (const auto& [uuid, inst] : instances) {
      if (!inst.missing && !queue.count(uuid)) unclaimed.push_back(&inst);
    }
    for (int64_t id : started) {
      BatchView& b = batches[id];
      if (!b.error.empty() || !b.include) continue;
      for (const state::InstanceRecord* inst_ptr : unclaimed) {
        const state::InstanceRecord& inst = *inst_ptr;
        if (queue.count(inst.uuid)) continue;
        const json& view = view_of(inst.uuid);
        if (!eval(b.include, view)) continue;
        state::QueueRecord q;
        q.instance_uuid = inst.uuid;
        q.batch_id = id;
        q.batch_name = b.rec.name;
        q.instance_name = state::target_instance_name(inst.name);
        const bool cold = b.cfg.kind == "cold";
        const Stage first = cold ? Stage::kQueued : Stage::kWaitingCreate;
        q.stage = std::string(stage_name(first));
        q.status = std::string(stage_status(first));
        q.status_message = cold ? "Waiting for a worker slot" : "Waiting for instance creation";
        QueueData d;
        d.cold = cold;
        d.fingerprint = instance_fingerprint(view);
        for (const auto& disk : view.value("disks", json::array())) {
          DiskState ds;
          ds.backing = disk.value("name", std::string());
          ds.name = ds.backing;
          ds.capacity = disk.value("capacity", int64_t{0});
          d.disks.push_back(std::move(ds));
        }
        append_event(
            q, "created",
            std::string(cold ? "Queued for cold migration by batch \"" : "Queued by batch \"") +
                b.rec.name + "\"");
        if (!save(q, d, /*claim=*/true)) continue;  // the batch was stopped or reset meanwhile
        queue[q.instance_uuid] = q;
        ++stats.claimed;
      }
      if (b.rec.status == "Queued") {
        store_.set_batch_status(id, "Running", "Running");
        b.rec.status = "Running";
      }
    }

    // Occupancy, counted once, then kept current as this tick moves instances.
    std::map<std::string, int64_t> creating;                        // by target
    std::map<int64_t, int64_t> source_imports;                      // by source id
    std::map<std::string, int64_t> target_imports;                  // by target
    std::map<std::pair<int64_t, size_t>, int64_t> finals;           // by (batch, constraint index)
    std::map<std::pair<int64_t, std::string>, int64_t> window_use;  // by (batch, window)
    std::map<std::string, QueueData> data;
    std::map<std::string, std::optional<size_t>> constraint_cache;
    auto constraint_index = [&](const state::QueueRecord& q) -> std::optional<size_t> {
      auto it = constraint_cache.find(q.instance_uuid);
      if (it != constraint_cache.end()) return it->second;
      std::optional<size_t> out;
      auto bit = batches.find(q.batch_id);
      if (bit != batches.end() && !bit->second.cfg.constraints.empty() &&
          instances.count(q.instance_uuid)) {
        size_t idx = 0;
        if (constraint_for(bit->second, view_of(q.instance_uuid), &idx)) out = idx;
      }
      constraint_cache[q.instance_uuid] = out;
      return out;
    };
    for (auto& [uuid, q] : queue) {
      auto cached = data_cache_.find(uuid);
      if (cached == data_cache_.end() || cached->second.first != q.data) {
        cached =
            data_cache_.insert_or_assign(uuid, std::make_pair(q.data, parse_queue_data(q.data)))
                .first;
      }
      QueueData& d = data[uuid] = cached->second.second;
      const Stage s = parse_stage(q.stage);
      const std::string target = d.target;
      if (s == Stage::kCreating) ++creating[target];
      if (holds_import_slot(s) && instances.count(uuid)) {
        ++source_imports[instances[uuid].source_id];
        ++target_imports[target];
      }
      if (in_final_stages(s)) {
        if (auto idx = constraint_index(q)) ++finals[{q.batch_id, *idx}];
      }
      if (d.has_window && s != Stage::kFinished) ++window_use[{q.batch_id, d.window.name}];
    }

    auto import_slot_free = [&](const std::string& uuid, const std::string& target) {
      const auto& inst = instances[uuid];
      auto s = sources.find(inst.source_id);
      auto t = targets.find(target);
      if (s == sources.end() || t == targets.end()) return false;
      return source_imports[inst.source_id] < s->second.import_limit &&
             target_imports[target] < t->second.import_limit;
    };
    auto take_import_slot = [&](const std::string& uuid, const std::string& target) {
      ++source_imports[instances[uuid].source_id];
      ++target_imports[target];
    };

    for (auto& [uuid, q] : queue) {
      ++stats.entries;
      QueueData& d = data[uuid];
      const Stage s = parse_stage(q.stage);
      auto bit = batches.find(q.batch_id);
      if (bit == batches.end() || !instances.count(uuid)) continue;
      BatchView& b = bit->second;
      const std::string before_stage = q.stage, before_msg = q.status_message;
      const QueueData before_data = d;

      if (b.rec.status != "Running") {
        // A stopped batch: abandon what runs, resumable from the checkpoints.
        const bool active = s == Stage::kCreating || s == Stage::kBackgroundImport ||
                            s == Stage::kTopUp || s == Stage::kFinalImport || is_cold_step_stage(s);
        if (active) {
          to_stop.emplace_back(uuid, s == Stage::kFinalImport || is_cold_step_stage(s));
          move(q, Event::kBatchStopped);
          q.status_message = "Batch stopped";
          ++stats.moves;
        }
      } else {
        auto restricted = [&]() {
          const inventory::InstanceOverride ov =
              inventory::instance_override_from_stored(instances[uuid].override_json);
          const auto& o = b.cfg.instance_restriction_overrides;
          // A cold migration needs no change tracking: the source is off while it is copied.
          auto why = inventory::restriction(
              view_of(uuid), ov,
              {o.allow_unknown_os, o.allow_no_ipv4, o.allow_no_background_import || d.cold});
          // An artifact the instance's source needs (docs/artifacts.md) holds it as well.
          if (!why) {
            if (auto src = sources.find(instances[uuid].source_id); src != sources.end()) {
              why = artifacts::missing_artifact(src->second, sdk);
            }
          }
          return why;
        };
        const bool cbt = instances[uuid].background_import;
        std::optional<size_t> cidx;
        const batch::Constraint* constraint = nullptr;
        if (!b.cfg.constraints.empty()) {
          cidx = constraint_index(q);
          if (cidx) constraint = &b.cfg.constraints[*cidx];
        }

        // The window this instance will cut over in: the first one still usable.
        auto assign_window = [&]() {
          if (d.has_window) {
            const TimePoint end = parse_time(d.window.end);
            const TimePoint lockout = parse_time(d.window.lockout);
            const bool usable = before_end(now, end) && (lockout == TimePoint{} || now < lockout);
            if (usable) return;
            --window_use[{q.batch_id, d.window.name}];
            d.has_window = false;
          }
          std::vector<const batch::MigrationWindow*> ws;
          for (const auto& w : b.cfg.migration_windows) ws.push_back(&w);
          std::stable_sort(ws.begin(), ws.end(),
                           [](auto* x, auto* y) { return x->start < y->start; });
          for (const batch::MigrationWindow* w : ws) {
            if (!before_end(now, w->end)) continue;
            if (w->lockout != TimePoint{} && now >= w->lockout) continue;
            if (w->capacity > 0 && window_use[{q.batch_id, w->name}] >= w->capacity) continue;
            if (constraint && constraint->min_instance_boot_time.count() > 0 &&
                w->end != TimePoint{} &&
                w->end - std::max(now, w->start) < constraint->min_instance_boot_time) {
              continue;
            }
            d.has_window = true;
            d.window = {w->name, rfc3339(w->start), rfc3339_or_unset(w->end),
                        rfc3339_or_unset(w->lockout)};
            ++window_use[{q.batch_id, w->name}];
            q.window_name = w->name;
            return;
          }
          q.window_name.clear();
        };

        // Placement (defaults, then the scriptlet) into `d`; false with the reason shown when it
        // cannot be placed (yet).
        auto place = [&]() {
          try {
            const Placement p =
                place_instance(b.cfg, b.cfg_json, b.script.get(), view_of(uuid), networks);
            d.target = p.target;
            d.project = p.project;
            for (size_t i = 0; i < d.disks.size() && i < p.disk_pools.size(); ++i) {
              d.disks[i].pool = p.disk_pools[i];
            }
            d.nic_networks.clear();
            for (const auto& n : p.nics) {
              d.nic_networks.push_back(n.network + "|" + n.nictype + "|" + n.vlan);
            }
          } catch (const std::exception& e) {
            q.status_message = e.what();
            return false;
          }
          if (!targets.count(d.target)) {
            q.status_message = "Target \"" + d.target + "\" does not exist";
            return false;
          }
          return true;
        };

        switch (s) {
          case Stage::kQueued: {
            if (const auto why = restricted()) {
              move(q, Event::kRestricted);
              q.status_message = *why;
              ++stats.moves;
              break;
            }
            if (!b.error.empty()) {
              q.status_message = "Batch configuration: " + b.error;
              break;
            }
            if (!place()) break;
            if (!import_slot_free(uuid, d.target)) {
              q.status_message = "Waiting for a worker slot";
              break;
            }
            take_import_slot(uuid, d.target);
            move(q, Event::kImportSlot);
            q.status_message = "Starting export";
            d.cycle.clear();
            append_event(q, "placement",
                         "Placed on target \"" + d.target + "\" project \"" + d.project + "\"");
            to_start.emplace_back(uuid, StepKind::kExport);
            ++stats.moves;
            ++stats.steps_started;
            break;
          }
          case Stage::kExport:
          case Stage::kInspect:
          case Stage::kWriteVolume:
          case Stage::kGuestFixes:
          case Stage::kFinalize:
            if (!runner_.running(uuid)) {
              // The daemon restarted mid-step: the step starts again from what the data records.
              const StepKind k = s == Stage::kExport        ? StepKind::kExport
                                 : s == Stage::kInspect     ? StepKind::kInspect
                                 : s == Stage::kWriteVolume ? StepKind::kWriteVolume
                                 : s == Stage::kGuestFixes  ? StepKind::kGuestFixes
                                                            : StepKind::kFinalize;
              to_start.emplace_back(uuid, k);
              ++stats.steps_started;
            }
            break;
          case Stage::kCompleted:
            break;
          case Stage::kBlocked:
            if (const auto why = restricted(); !why) {
              move(q, Event::kUnrestricted, d.cold ? "cold migration" : "");
              q.status_message =
                  d.cold ? "Waiting for a worker slot" : "Waiting for instance creation";
              ++stats.moves;
            } else {
              q.status_message = *why;
            }
            break;
          case Stage::kWaitingCreate: {
            assign_window();
            if (const auto why = restricted()) {
              move(q, Event::kRestricted);
              q.status_message = *why;
              ++stats.moves;
              break;
            }
            if (!b.error.empty()) {
              q.status_message = "Batch configuration: " + b.error;
              break;
            }
            if (!place()) break;
            auto t = targets.find(d.target);
            if (creating[d.target] >= t->second.create_limit) {
              q.status_message = "Waiting for instance creation";
              break;
            }
            ++creating[d.target];
            move(q, Event::kCreateSlot);
            q.status_message = "Creating target instance";
            append_event(q, "placement",
                         "Placed on target \"" + d.target + "\" project \"" + d.project + "\"");
            to_start.emplace_back(uuid, StepKind::kCreate);
            ++stats.moves;
            ++stats.steps_started;
            break;
          }
          case Stage::kCreating:
            if (!runner_.running(uuid)) {
              to_start.emplace_back(uuid, StepKind::kCreate);
              ++stats.steps_started;
            }
            break;
          case Stage::kWaitingImport:
            assign_window();
            if (import_slot_free(uuid, d.target)) {
              take_import_slot(uuid, d.target);
              move(q, Event::kImportSlot);
              q.status_message = "Starting background import";
              d.cycle.clear();
              append_event(q, "background_import.started", "Background import started");
              to_start.emplace_back(uuid, StepKind::kBackgroundImport);
              ++stats.moves;
              ++stats.steps_started;
            } else {
              q.status_message = "Waiting for import capacity";
            }
            break;
          case Stage::kBackgroundImport:
          case Stage::kTopUp:
          case Stage::kFinalImport:
          case Stage::kPostMigration: {
            if (s == Stage::kFinalImport && d.has_window) {
              if (!before_end(now, parse_time(d.window.end))) {
                to_stop.emplace_back(uuid, true);
                move(q, Event::kWindowClosed);
                append_event(q, "window.missed",
                             "Migration window \"" + d.window.name +
                                 "\" ended before the final import finished; the source is "
                                 "powered back on");
                --window_use[{q.batch_id, d.window.name}];
                d.has_window = false;
                d.final_top_up_done = false;  // the next window gets its own final top-up
                d.cycle.clear();
                assign_window();
                q.status_message = kMsgWaitingWindow;
                ++stats.moves;
                break;
              }
            }
            if (!runner_.running(uuid)) {
              // The daemon restarted mid-step: resume it from what the data records.
              const StepKind k = s == Stage::kBackgroundImport ? StepKind::kBackgroundImport
                                 : s == Stage::kTopUp          ? StepKind::kTopUp
                                 : s == Stage::kFinalImport    ? StepKind::kFinalImport
                                                               : StepKind::kPostMigration;
              to_start.emplace_back(uuid, k);
              ++stats.steps_started;
            }
            break;
          }
          case Stage::kIdle: {
            assign_window();
            const bool window_open = d.has_window && now >= parse_time(d.window.start);
            if (window_open) {
              const bool constraint_ok =
                  !constraint || constraint->max_concurrent_instances <= 0 ||
                  finals[{q.batch_id, *cidx}] < constraint->max_concurrent_instances;
              if (!constraint_ok) {
                q.status_message = "Waiting for constraint \"" + constraint->name + "\"";
                break;
              }
              if (!import_slot_free(uuid, d.target)) {
                q.status_message = "Waiting for import capacity";
                break;
              }
              const std::string fp = instance_fingerprint(view_of(uuid));
              if (fp != d.fingerprint) {
                move(q, Event::kSourceChanged);
                q.status_message = "Source instance changed since it was queued (" +
                                   describe_change(d.fingerprint, fp) + "): resolve to accept it";
                append_event(q, "conflict", q.status_message);
                ++stats.moves;
                break;
              }
              take_import_slot(uuid, d.target);
              if (cidx) ++finals[{q.batch_id, *cidx}];
              move(q, Event::kWindowOpen);
              q.status_message = "Starting final import";
              d.cycle.clear();
              append_event(q, "final_import.started",
                           "Migration window \"" + d.window.name + "\" started");
              to_start.emplace_back(uuid, StepKind::kFinalImport);
              ++stats.moves;
              ++stats.steps_started;
              break;
            }
            q.status_message = d.has_window ? kMsgWaitingWindow : "Waiting for a migration window";
            if (!cbt || !d.created) break;
            const TimePoint last = parse_time(d.last_sync);
            const bool interval_due = b.cfg.background_sync_interval.count() > 0 &&
                                      now - last >= b.cfg.background_sync_interval;
            const bool final_due =
                d.has_window && !d.final_top_up_done &&
                parse_time(d.window.start) - now <= b.cfg.final_background_sync_limit;
            if ((interval_due || final_due) && import_slot_free(uuid, d.target)) {
              take_import_slot(uuid, d.target);
              if (final_due) d.final_top_up_done = true;
              move(q, Event::kTopUpDue);
              q.status_message = "Starting top-up";
              d.cycle.clear();
              append_event(
                  q, "top_up.started",
                  final_due ? "Final top-up before the migration window" : "Periodic top-up");
              to_start.emplace_back(uuid, StepKind::kTopUp);
              ++stats.moves;
              ++stats.steps_started;
            }
            break;
          }
          case Stage::kConflict:
          case Stage::kFinished:
          case Stage::kError:
          case Stage::kCanceled:
            break;
        }
      }
      if (q.stage != before_stage || q.status_message != before_msg || !(d == before_data)) {
        save(q, d);
      }
    }

    // A batch whose every instance finished is Finished.
    std::map<int64_t, std::pair<size_t, size_t>> progress;  // batch -> (entries, finished)
    for (const auto& [uuid, q] : queue) {
      auto& [all, done] = progress[q.batch_id];
      ++all;
      if (q.stage == stage_name(Stage::kFinished)) ++done;
    }
    for (int64_t id : started) {
      if (batches[id].rec.status != "Running") continue;
      const auto [all, done] = progress[id];
      if (all > 0 && all == done) store_.set_batch_status(id, "Finished", "Finished");
    }
    for (const auto& [uuid, kind] : to_start) runner_.start(uuid, kind);
  }
  // Outside the lock: a stopping step may be waiting to report.
  for (const auto& [uuid, restore] : to_stop) {
    runner_.stop(uuid);
    if (restore) runner_.restore_source(uuid);
  }
  return stats;
}

void Scheduler::finished(const std::string& uuid, StepKind kind, const StepOutcome& outcome) {
  std::lock_guard lock(mu_);
  std::optional<state::QueueRecord> q = store_.get_queue_entry(uuid);
  if (!q) return;
  QueueData d = parse_queue_data(q->data);
  const Stage s = parse_stage(q->stage);
  const bool matches = (kind == StepKind::kCreate && s == Stage::kCreating) ||
                       (kind == StepKind::kBackgroundImport && s == Stage::kBackgroundImport) ||
                       (kind == StepKind::kTopUp && s == Stage::kTopUp) ||
                       (kind == StepKind::kFinalImport && s == Stage::kFinalImport) ||
                       (kind == StepKind::kPostMigration && s == Stage::kPostMigration) ||
                       (kind == StepKind::kExport && s == Stage::kExport) ||
                       (kind == StepKind::kInspect && s == Stage::kInspect) ||
                       (kind == StepKind::kWriteVolume && s == Stage::kWriteVolume) ||
                       (kind == StepKind::kGuestFixes && s == Stage::kGuestFixes) ||
                       (kind == StepKind::kFinalize && s == Stage::kFinalize);
  if (!matches) return;  // the instance moved on (stopped, canceled, window missed)
  bool restore = false;
  if (!outcome.ok) {
    if (kind == StepKind::kPostMigration) {
      std::optional<state::BatchRecord> b = store_.get_batch_by_id(q->batch_id);
      int64_t retries = 5;
      if (b) {
        try {
          retries = batch::config_of(*b).post_migration_retries;
        } catch (const std::exception&) {
        }
      }
      if (d.post_migration_attempts < retries) {
        ++d.post_migration_attempts;
        move(*q, Event::kPostRetry);
        q->status_message = "Retrying post-migration steps (" +
                            std::to_string(d.post_migration_attempts) + "/" +
                            std::to_string(retries) + "): " + outcome.reason;
        append_event(*q, "post_migration.retry", outcome.reason);
        save(*q, d);
        runner_.start(uuid, StepKind::kPostMigration);
        return;
      }
    }
    move(*q, Event::kStepFailed);
    d.error_stage = std::string(step_name(kind));
    d.error_reason = outcome.reason;
    q->status_message = outcome.reason;
    // A failed cutover or cold migration must not leave the source off.
    restore = kind == StepKind::kFinalImport || is_cold_step_stage(s);
    append_event(*q, "failed", std::string(step_name(kind)) + ": " + outcome.reason,
                 {{"stage", step_name(kind)}, {"reason", outcome.reason}});
    save(*q, d);
  } else {
    switch (kind) {
      case StepKind::kCreate: {
        d.created = true;
        std::optional<state::InstanceRecord> inst = store_.get_instance(uuid);
        const bool cbt = inst && inst->background_import;
        move(*q, Event::kCreated,
             cbt ? "background import supported" : "no background import (allowed by override)");
        q->status_message = cbt ? "Waiting for import capacity" : kMsgWaitingWindow;
        append_event(*q, "target.created", "Target instance and volumes created");
        save(*q, d);
        break;
      }
      case StepKind::kBackgroundImport:
      case StepKind::kTopUp: {
        const bool first = kind == StepKind::kBackgroundImport;
        move(*q, first ? Event::kImportDone : Event::kTopUpDone);
        d.last_sync = now_text();
        q->status_message = kMsgWaitingWindow;
        append_event(*q, first ? "background_import.completed" : "top_up.completed",
                     first ? "Background import completed" : "Top-up completed");
        save(*q, d);
        break;
      }
      case StepKind::kFinalImport:
        move(*q, Event::kFinalDone);
        q->status_message = "Starting target instance";
        append_event(*q, "final_import.completed", "Final import completed");
        append_event(*q, "post_migration.started", "Post-migration steps started");
        save(*q, d);
        runner_.start(uuid, StepKind::kPostMigration);
        break;
      case StepKind::kExport:
      case StepKind::kInspect:
      case StepKind::kWriteVolume:
      case StepKind::kGuestFixes: {
        struct Next {
          Event event;
          StepKind step;
          const char* message;
        };
        const Next n =
            kind == StepKind::kExport
                ? Next{Event::kExported, StepKind::kInspect, "Inspecting the copied disk"}
            : kind == StepKind::kInspect
                ? Next{Event::kInspected, StepKind::kWriteVolume, "Verifying the written volumes"}
            : kind == StepKind::kWriteVolume
                ? Next{Event::kWritten, StepKind::kGuestFixes, "Guest fixes"}
                : Next{Event::kGuestFixed, StepKind::kFinalize, "Finalizing the target"};
        move(*q, n.event);
        q->status_message = n.message;
        save(*q, d);
        runner_.start(uuid, n.step);
        break;
      }
      case StepKind::kFinalize:
        move(*q, Event::kFinalized);
        q->status_message =
            "Target ready; the source stays powered off until `queue confirm` (or `queue cancel` "
            "powers it back on)";
        append_event(*q, "migration.completed",
                     "Migration completed: target instance \"" + q->instance_name + "\" is ready");
        save(*q, d);
        break;
      case StepKind::kPostMigration:
        move(*q, Event::kTargetStarted);
        q->status_message = "Finished";
        d.has_window = false;
        q->window_name.clear();
        if (d.source_was_running) append_event(*q, "target.started", "Target instance started");
        append_event(*q, "finished", "Migration finished");
        save(*q, d);
        break;
    }
  }
  if (restore) {
    // The source must not stay off after a failed cutover; the runner is done with it.
    runner_.restore_source(uuid);
  }
  wake();
}

void Scheduler::update(const std::string& uuid,
                       const std::function<void(QueueData&, std::string&)>& fn) {
  std::lock_guard lock(mu_);
  std::optional<state::QueueRecord> q = store_.get_queue_entry(uuid);
  if (!q) return;
  QueueData d = parse_queue_data(q->data);
  std::string message;
  fn(d, message);
  if (!message.empty()) q->status_message = message;
  save(*q, d);
}

void Scheduler::update_with_event(const std::string& uuid,
                                  const std::function<void(QueueData&, std::string&)>& fn,
                                  const std::string& type, const std::string& event_message) {
  std::lock_guard lock(mu_);
  std::optional<state::QueueRecord> q = store_.get_queue_entry(uuid);
  if (!q) return;
  QueueData d = parse_queue_data(q->data);
  std::string message;
  fn(d, message);
  if (!message.empty()) q->status_message = message;
  append_event(*q, type, event_message);
  save(*q, d);
}

void Scheduler::event(const std::string& uuid, const std::string& type, const std::string& message,
                      const json& data) {
  std::lock_guard lock(mu_);
  std::optional<state::QueueRecord> q = store_.get_queue_entry(uuid);
  if (!q) return;
  append_event(*q, type, message, data);
  for (const auto& e : pending_events_) store_.append_queue_event(e);
  pending_events_.clear();
}

void Scheduler::cancel(const std::string& uuid) {
  bool stop_runner = false, restore = false;
  {
    std::lock_guard lock(mu_);
    std::optional<state::QueueRecord> q = store_.get_queue_entry(uuid);
    if (!q) throw state::StoreError(state::StoreError::Kind::kNotFound, "instance not queued");
    const Stage s = parse_stage(q->stage);
    if (s == Stage::kFinished || s == Stage::kCanceled || s == Stage::kPostMigration) {
      throw std::invalid_argument("cannot cancel: instance is " + q->status);
    }
    QueueData d = parse_queue_data(q->data);
    move(*q, Event::kCancel);
    stop_runner = true;
    // restore_source() itself only acts when we powered the source off.
    restore = d.source_powered_off || s == Stage::kFinalImport || is_cold_step_stage(s) ||
              s == Stage::kCompleted;
    q->status_message = "Canceled by user";
    append_event(*q, "canceled", "Canceled by user");
    save(*q, d);
  }
  if (stop_runner) runner_.stop(uuid);
  if (restore) runner_.restore_source(uuid);
}

void Scheduler::retry(const std::string& uuid) {
  std::lock_guard lock(mu_);
  std::optional<state::QueueRecord> q = store_.get_queue_entry(uuid);
  if (!q) throw state::StoreError(state::StoreError::Kind::kNotFound, "instance not queued");
  const Stage s = parse_stage(q->stage);
  if (s != Stage::kError && s != Stage::kCanceled) {
    throw std::invalid_argument("cannot retry: instance is " + q->status +
                                ", not Error or Canceled");
  }
  QueueData d = parse_queue_data(q->data);
  std::string guard = "not created yet";
  if (d.cold) {
    guard = "cold migration";  // starts over at Export; creation there is idempotent
  } else if (d.created) {
    std::optional<state::InstanceRecord> inst = store_.get_instance(uuid);
    const bool cbt = inst && inst->background_import;
    // Without background import, or once imported, there is nothing to import before the window.
    guard = (!cbt || !d.last_sync.empty()) ? "created and imported, or no background import"
                                           : "created";
  }
  move(*q, Event::kRetry, guard);
  d.error_stage.clear();
  d.error_reason.clear();
  d.post_migration_attempts = 0;
  q->status_message = d.cold ? "Waiting for a worker slot" : "Retrying";
  append_event(*q, "retried", "Retry requested");
  save(*q, d);
  wake();
}

void Scheduler::resolve(const std::string& uuid) {
  std::lock_guard lock(mu_);
  std::optional<state::QueueRecord> q = store_.get_queue_entry(uuid);
  if (!q) throw state::StoreError(state::StoreError::Kind::kNotFound, "instance not queued");
  if (parse_stage(q->stage) != Stage::kConflict) {
    throw std::invalid_argument("cannot resolve: instance is " + q->status + ", not Conflict");
  }
  QueueData d = parse_queue_data(q->data);
  std::optional<state::InstanceRecord> inst = store_.get_instance(uuid);
  if (inst) d.fingerprint = instance_fingerprint(inventory::instance_view(*inst, true));
  move(*q, Event::kResolve);
  q->status_message = kMsgWaitingWindow;
  append_event(*q, "resolved", "Conflict resolved: the source is accepted as it is now");
  save(*q, d);
  wake();
}

void Scheduler::confirm(const std::string& uuid) {
  std::lock_guard lock(mu_);
  std::optional<state::QueueRecord> q = store_.get_queue_entry(uuid);
  if (!q) throw state::StoreError(state::StoreError::Kind::kNotFound, "instance not queued");
  if (parse_stage(q->stage) != Stage::kCompleted) {
    throw std::invalid_argument("cannot confirm: instance is " + q->status +
                                ", not a Completed cold migration");
  }
  QueueData d = parse_queue_data(q->data);
  move(*q, Event::kConfirm);
  // From here nothing powers the source back on: it stays off, as the user accepted the target.
  d.source_powered_off = false;
  q->status_message = "Finished";
  append_event(*q, "confirmed", "Migration confirmed by user; the source stays powered off");
  append_event(*q, "finished", "Migration finished");
  save(*q, d);
  wake();
}

void Scheduler::wake() {
  std::lock_guard lock(wake_mu_);
  woken_ = true;
  wake_cv_.notify_all();
}

void Scheduler::start() {
  stopping_ = false;
  thread_ = std::thread([this] {
    for (;;) {
      {
        std::unique_lock lock(wake_mu_);
        wake_cv_.wait_for(lock, options_.tick_interval, [this] { return woken_ || stopping_; });
        if (stopping_) return;
        woken_ = false;
      }
      try {
        tick();
      } catch (const std::exception& e) {
        std::fprintf(stderr, "scheduler: tick failed: %s\n", e.what());
      }
    }
  });
}

void Scheduler::stop() {
  {
    std::lock_guard lock(wake_mu_);
    stopping_ = true;
    wake_cv_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
}

}  // namespace mm::migration
