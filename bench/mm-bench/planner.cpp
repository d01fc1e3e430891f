#include "bench/mm-bench/planner.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <stdexcept>

#include "bench/mm-bench/history.h"
#include "bench/mm-bench/units.h"
#include "common/go_duration.h"
#include "orchestrator/batch/window_time.h"
#include "orchestrator/expr/program.h"
#include "orchestrator/inventory/instance_view.h"

namespace mm::bench {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
// Times are sums of doubles: an event computed for "last sync + interval" must count as due then.
constexpr double kEps = 1e-6;

// The simulation runs in seconds after options.now.
enum class St {
  kBlocked,
  kWaitingCreate,
  kCreating,
  kWaitingImport,
  kCopy,
  kIdle,
  kPost,
  kFinished,
  kStuck,  // cannot go on (no target); stays until the horizon
};

struct Window {
  std::string name;
  double start = 0, end = kInf, lockout = kInf;  // seconds after now
  int64_t capacity = 0;
  bool has_end = true;
};

struct Sim {
  const InstanceInput* in = nullptr;
  InstancePlan* out = nullptr;
  St st = St::kWaitingCreate;
  std::string target;
  std::optional<size_t> constraint;
  int window = -1;  // index into windows, -1 none
  int first_window = -1;
  bool created = false, imported = false, final_top_up_done = false;
  double last_sync = -kInf;      // when the last background import or top-up completed
  double last_snapshot = -kInf;  // when that cycle started (CBT counts changes since then)
  // The step running.
  std::string kind;
  double step_start = 0, overhead_left = 0, bytes_left = 0;
  int64_t step_bytes = 0;
  bool holds_slot = false, holds_final = false;
  double waited_import = 0, waited_constraint = 0;  // at the window's start
  double idle_since_window_open = -1;
};

double seconds_between(TimePoint a, TimePoint b) {
  return std::chrono::duration<double>(b - a).count();
}

TimePoint at(const PlanOptions& o, double s) {
  return o.now + std::chrono::duration_cast<TimePoint::duration>(std::chrono::duration<double>(s));
}

}  // namespace

Plan make_plan(const PlanInput& in, const PlanOptions& o) {
  if (!(o.stream_bytes_per_second > 0)) {
    throw std::invalid_argument(
        "no throughput to plan with: measure one (mm-bench measure) or "
        "pass --throughput");
  }
  Plan plan;
  plan.batch = in.batch.name;
  plan.now = o.now;
  plan.stream_bytes_per_second = o.stream_bytes_per_second;
  plan.aggregate_bytes_per_second = o.aggregate_bytes_per_second;
  const bool cold = in.batch.kind == "cold";
  const double interval = std::chrono::duration<double>(in.batch.background_sync_interval).count();
  const double final_limit =
      std::chrono::duration<double>(in.batch.final_background_sync_limit).count();

  // Windows as the scheduler sorts them: by start, stable.
  std::vector<Window> windows;
  for (const batch::MigrationWindow& w : in.batch.migration_windows) {
    Window x;
    x.name = w.name;
    x.start = batch::is_set(w.start) ? seconds_between(o.now, w.start) : -kInf;
    x.has_end = batch::is_set(w.end);
    x.end = x.has_end ? seconds_between(o.now, w.end) : kInf;  // unset: never closes
    x.lockout = batch::is_set(w.lockout) ? seconds_between(o.now, w.lockout) : kInf;
    x.capacity = w.capacity;
    windows.push_back(x);
  }
  std::stable_sort(windows.begin(), windows.end(),
                   [](const Window& a, const Window& b) { return a.start < b.start; });

  std::vector<std::optional<expr::Program>> programs;
  for (const batch::Constraint& c : in.batch.constraints) {
    try {
      programs.push_back(expr::compile_include(c.include_expression));
    } catch (const std::exception&) {
      programs.push_back(std::nullopt);
    }
  }

  const auto history = history_from_events(in.events);
  plan.instances.reserve(in.instances.size());
  std::vector<Sim> sims;
  bool any_allocated_unknown = false, any_rate_assumed = false;
  for (const InstanceInput& i : in.instances) {
    if (i.missing) continue;
    InstancePlan p;
    p.uuid = i.uuid;
    p.name = i.name;
    p.source = i.source;
    p.allocated_known = !i.disks.empty();
    for (const DiskInput& d : i.disks) {
      // Saturating: sizes are outside input.
      if (__builtin_add_overflow(p.disk_bytes, d.capacity, &p.disk_bytes)) {
        p.disk_bytes = INT64_MAX;
      }
      if (__builtin_add_overflow(p.copy_bytes, d.allocated.value_or(d.capacity), &p.copy_bytes)) {
        p.copy_bytes = INT64_MAX;
      }
      if (!d.allocated) p.allocated_known = false;
    }
    if (!p.allocated_known) any_allocated_unknown = true;
    auto h = history.find(i.uuid);
    if (o.change_rate) {
      p.change_rate = *o.change_rate;
      p.change_rate_origin = "given";
    } else if (h != history.end() && h->second.change_rate) {
      p.change_rate = *h->second.change_rate;
      p.change_rate_origin =
          "observed (" + std::to_string(h->second.change_rate_samples) + " sync(s))";
    } else {
      p.change_rate = static_cast<double>(p.copy_bytes) * o.change_fraction_per_hour / 3600.0;
      p.change_rate_origin = "assumed";
      any_rate_assumed = true;
    }
    plan.instances.push_back(std::move(p));
  }
  for (size_t k = 0, n = 0; k < in.instances.size(); ++k) {
    const InstanceInput& i = in.instances[k];
    if (i.missing) continue;
    Sim s;
    s.in = &i;
    s.out = &plan.instances[n++];
    s.target = !i.placed_target.empty() ? i.placed_target : in.batch.placement.target;
    s.out->target = s.target;
    for (size_t c = 0; c < programs.size(); ++c) {
      try {
        if (programs[c] && expr::matches_instance(*programs[c], i.view)) s.constraint = c;
      } catch (const std::exception&) {
      }
    }
    // Where the batch already is: finished instances are done; imported ones only need top-ups
    // and their cutover (a copy in progress is planned again from its start).
    const std::string& stage = i.stage;
    auto h = history.find(i.uuid);
    if (stage == "finished" || stage == "completed") {
      s.st = St::kFinished;
      s.out->verdict = "finished";
    } else if (stage == "idle" || stage == "top_up" || stage == "final_import" ||
               stage == "post_migration" || stage == "conflict") {
      s.st = St::kIdle;
      s.created = s.imported = true;
      if (h != history.end()) {
        for (const Cycle& c : h->second.cycles) {
          if ((c.kind == "background_import" || c.kind == "top_up") && c.completed) {
            s.last_sync = seconds_between(o.now, *c.completed);
            s.last_snapshot = seconds_between(o.now, c.started);
          }
        }
      }
      if (s.last_sync == -kInf) s.last_sync = s.last_snapshot = 0;
    } else if (stage == "waiting_import" || stage == "background_import") {
      s.st = St::kWaitingImport;
      s.created = true;
    } else if (cold) {
      s.st = St::kWaitingImport;  // a cold migration is queued for its one pass
    }
    sims.push_back(s);
  }

  // Occupancy, as the scheduler counts it.
  std::map<std::string, int64_t> creating, target_imports, source_imports;
  std::map<size_t, int64_t> finals;
  std::map<std::string, int64_t> window_use;

  auto restricted = [&](const Sim& s) {
    const auto& ov = in.batch.instance_restriction_overrides;
    return inventory::restriction(
        s.in->view, s.in->override_,
        {ov.allow_unknown_os, ov.allow_no_ipv4, ov.allow_no_background_import || cold});
  };
  auto source_limit = [&](const Sim& s) {
    auto it = in.source_import_limit.find(s.in->source);
    return it == in.source_import_limit.end() ? int64_t{50} : it->second;
  };
  auto target_limits = [&](const Sim& s) {
    auto it = in.targets.find(s.target);
    return it == in.targets.end() ? TargetLimits{} : it->second;
  };
  auto slot_free = [&](const Sim& s) {
    return source_imports[s.in->source] < source_limit(s) &&
           target_imports[s.target] < target_limits(s).import_limit;
  };
  auto take_slot = [&](Sim& s) {
    ++source_imports[s.in->source];
    ++target_imports[s.target];
    s.holds_slot = true;
  };
  auto release_slot = [&](Sim& s) {
    if (!s.holds_slot) return;
    --source_imports[s.in->source];
    --target_imports[s.target];
    s.holds_slot = false;
  };
  auto constraint_of = [&](const Sim& s) -> const batch::Constraint* {
    return s.constraint ? &in.batch.constraints[*s.constraint] : nullptr;
  };
  auto assign_window = [&](Sim& s, double t) {
    if (s.window >= 0) {
      const Window& w = windows[s.window];
      if (t < w.end - kEps && t < w.lockout - kEps) return;
      --window_use[w.name];
      s.window = -1;
    }
    const batch::Constraint* c = constraint_of(s);
    const double boot = c ? std::chrono::duration<double>(c->min_instance_boot_time).count() : 0;
    for (size_t k = 0; k < windows.size(); ++k) {
      const Window& w = windows[k];
      if (t >= w.end - kEps || t >= w.lockout - kEps) continue;
      if (w.capacity > 0 && window_use[w.name] >= w.capacity) continue;
      if (boot > 0 && w.end - std::max(t, w.start) < boot) continue;
      s.window = static_cast<int>(k);
      if (s.first_window < 0) s.first_window = s.window;
      ++window_use[w.name];
      return;
    }
  };
  auto change_bytes = [&](const Sim& s, double t) {
    const double span = std::max(0.0, t - s.last_snapshot);
    return static_cast<int64_t>(
        std::min<double>(static_cast<double>(s.out->copy_bytes), s.out->change_rate * span));
  };
  auto start_copy = [&](Sim& s, double t, const std::string& kind, int64_t bytes,
                        double extra_overhead) {
    s.st = St::kCopy;
    s.kind = kind;
    s.step_start = t;
    s.step_bytes = bytes;
    s.bytes_left = static_cast<double>(bytes);
    s.overhead_left = extra_overhead + o.cycle_seconds +
                      o.disk_seconds * static_cast<double>(std::max<size_t>(1, s.in->disks.size()));
  };

  // One scheduler pass at time t, in UUID order.
  auto decide = [&](double t) {
    for (Sim& s : sims) {
      switch (s.st) {
        case St::kBlocked:
          if (!restricted(s)) s.st = cold ? St::kWaitingImport : St::kWaitingCreate;
          break;
        case St::kWaitingCreate: {
          assign_window(s, t);
          if (restricted(s)) {
            s.st = St::kBlocked;
            break;
          }
          if (!in.targets.empty() && !in.targets.count(s.target)) {
            s.st = St::kStuck;
            s.out->problems.push_back("target \"" + s.target + "\" does not exist");
            break;
          }
          if (creating[s.target] >= target_limits(s).create_limit) break;
          ++creating[s.target];
          s.st = St::kCreating;
          s.kind = "create";
          s.step_start = t;
          s.overhead_left = o.create_seconds;
          s.bytes_left = 0;
          s.step_bytes = 0;
          break;
        }
        case St::kWaitingImport:
          if (cold) {
            if (restricted(s)) {
              s.st = St::kBlocked;
              break;
            }
            if (!slot_free(s)) break;
            take_slot(s);
            start_copy(s, t, "cold_import", s.out->copy_bytes,
                       o.power_off_seconds + o.create_seconds);
            s.out->cutover_start = at(o, t);
            break;
          }
          assign_window(s, t);
          if (!slot_free(s)) break;
          take_slot(s);
          start_copy(s, t, "background_import", s.out->copy_bytes, 0);
          break;
        case St::kCopy:
          if (s.kind == "final_import" && s.window >= 0 && t >= windows[s.window].end - kEps) {
            // Missed: the workers stop, the source is powered back on, the next window is tried.
            const Window& w = windows[s.window];
            s.out->problems.push_back("the final import does not finish before window \"" + w.name +
                                      "\" ends (" + format_seconds(w.end - w.start) +
                                      " long, needs about " +
                                      format_seconds(t - s.step_start + s.overhead_left +
                                                     s.bytes_left / o.stream_bytes_per_second) +
                                      "): window missed");
            release_slot(s);
            if (s.holds_final) --finals[*s.constraint];
            s.holds_final = false;
            --window_use[w.name];
            s.window = -1;
            s.st = St::kIdle;
            s.out->cutover_start.reset();
            assign_window(s, t);
          }
          break;
        case St::kIdle: {
          assign_window(s, t);
          const bool open = s.window >= 0 && t >= windows[s.window].start - kEps;
          if (open) {
            const batch::Constraint* c = constraint_of(s);
            if (c && c->max_concurrent_instances > 0 &&
                finals[*s.constraint] >= c->max_concurrent_instances) {
              if (s.idle_since_window_open < 0) s.idle_since_window_open = t;
              break;
            }
            if (!slot_free(s)) {
              if (s.idle_since_window_open < 0) s.idle_since_window_open = t;
              break;
            }
            take_slot(s);
            if (s.constraint) {
              ++finals[*s.constraint];
              s.holds_final = true;
            }
            const int64_t bytes =
                s.in->background_import && s.imported ? change_bytes(s, t) : s.out->copy_bytes;
            start_copy(s, t, "final_import", bytes, o.power_off_seconds);
            s.out->cutover_start = at(o, t);
            const double w_start = windows[s.window].start;
            if (t - w_start > 1) {
              s.out->problems.push_back(
                  "cutover starts " + format_seconds(t - w_start) + " after window \"" +
                  windows[s.window].name + "\" opens (" +
                  (s.imported ? "waiting for " + std::string(c && c->max_concurrent_instances > 0
                                                                 ? "constraint \"" + c->name +
                                                                       "\" or import capacity"
                                                                 : "import capacity")
                              : std::string("background import not finished")) +
                  ")");
            }
            s.idle_since_window_open = -1;
            break;
          }
          if (!s.in->background_import || !s.created) break;
          const bool interval_due = interval > 0 && t - s.last_sync >= interval - kEps;
          const bool final_due = s.window >= 0 && !s.final_top_up_done &&
                                 windows[s.window].start - t <= final_limit + kEps;
          if ((interval_due || final_due) && slot_free(s)) {
            take_slot(s);
            if (final_due) s.final_top_up_done = true;
            start_copy(s, t, final_due ? "final_top_up" : "top_up", change_bytes(s, t), 0);
          }
          break;
        }
        case St::kCreating:
        case St::kPost:
        case St::kFinished:
        case St::kStuck:
          break;
      }
    }
  };

  // The horizon: a day after the last window's end, or a week when no window ends.
  double horizon = 7 * 86400.0;
  for (const Window& w : windows) {
    if (w.has_end) horizon = std::max(horizon, w.end + 86400.0);
    if (!w.has_end && w.start > 0) horizon = std::max(horizon, w.start + 86400.0);
  }

  auto share = [&]() {
    size_t moving = 0;
    for (const Sim& s : sims) {
      if (s.st == St::kCopy && s.overhead_left <= 0 && s.bytes_left > 0) ++moving;
    }
    double r = o.stream_bytes_per_second;
    if (o.aggregate_bytes_per_second > 0 && moving > 0) {
      r = std::min(r, o.aggregate_bytes_per_second / static_cast<double>(moving));
    }
    return r;
  };

  double t = 0;
  bool cut_short = true;
  for (int events = 0; events < o.max_events; ++events) {
    decide(t);
    const double rate = share();
    double next = kInf;
    for (const Sim& s : sims) {
      const bool busy = s.st == St::kCopy || s.st == St::kCreating || s.st == St::kPost;
      if (busy) {
        next = std::min(next, t + (s.overhead_left > 0 ? s.overhead_left : s.bytes_left / rate));
      }
      if (s.st == St::kCopy && s.kind == "final_import" && s.window >= 0 &&
          windows[s.window].end > t + kEps) {
        next = std::min(next, windows[s.window].end);
      }
      if (s.st == St::kIdle || s.st == St::kWaitingCreate || s.st == St::kWaitingImport) {
        if (s.window >= 0) {
          const Window& w = windows[s.window];
          for (double x : {w.start, w.start - final_limit, w.end, w.lockout}) {
            if (x > t + kEps) next = std::min(next, x);
          }
        } else {
          for (const Window& w : windows) {
            for (double x : {w.start, w.end, w.lockout}) {
              if (x > t + kEps) next = std::min(next, x);
            }
          }
        }
        if (s.st == St::kIdle && s.created && s.in->background_import && interval > 0 &&
            s.last_sync + interval > t + kEps) {
          next = std::min(next, s.last_sync + interval);
        }
      }
    }
    if (!std::isfinite(next) || next > horizon) {
      cut_short = false;
      break;
    }
    const double dt = next - t;
    // Advance every busy step by dt; those reaching their end finish at `next`.
    for (Sim& s : sims) {
      const bool busy = s.st == St::kCopy || s.st == St::kCreating || s.st == St::kPost;
      if (!busy) continue;
      if (s.overhead_left > 0) {
        s.overhead_left -= dt;
        if (s.overhead_left < 1e-9) s.overhead_left = 0;
      } else {
        s.bytes_left -= dt * rate;
        if (s.bytes_left < 1e-3 * rate) s.bytes_left = 0;  // done within a millisecond
      }
      if (s.overhead_left > 0 || s.bytes_left > 0) continue;
      const std::string kind = s.st == St::kPost ? "post_migration" : s.kind;
      s.out->stages.push_back({kind, at(o, s.step_start), at(o, next), s.step_bytes});
      if (s.st == St::kCreating) {
        --creating[s.target];
        s.created = true;
        s.st = s.in->background_import ? St::kWaitingImport : St::kIdle;
      } else if (s.st == St::kPost) {
        s.st = St::kFinished;
        s.out->cutover_end = at(o, next);
        if (s.holds_final) --finals[*s.constraint];
        s.holds_final = false;
        if (s.window >= 0) --window_use[windows[s.window].name];
      } else if (s.kind == "final_import" || s.kind == "cold_import") {
        release_slot(s);
        s.out->final_bytes = s.step_bytes;
        s.st = St::kPost;
        s.step_start = next;
        s.overhead_left = o.post_migration_seconds;
        s.bytes_left = 0;
        s.step_bytes = 0;
        if (s.overhead_left <= 0) s.overhead_left = 1e-6;
      } else {
        release_slot(s);
        if (s.kind == "background_import") {
          s.imported = true;
          s.out->background_done = at(o, next);
        }
        s.last_sync = next;
        s.last_snapshot = s.step_start;
        s.st = St::kIdle;
      }
    }
    t = next;
  }

  // Verdicts.
  for (Sim& s : sims) {
    InstancePlan& p = *s.out;
    if (s.first_window >= 0 || s.window >= 0) {
      const int w = s.window >= 0 ? s.window : s.first_window;
      p.window = windows[w].name;
      if (std::isfinite(windows[w].start)) p.window_start = at(o, windows[w].start);
      if (windows[w].has_end) p.window_end = at(o, windows[w].end);
    }
    if (p.cutover_start && p.cutover_end) {
      p.downtime_seconds = seconds_between(*p.cutover_start, *p.cutover_end);
      if (!plan.end || *p.cutover_end > *plan.end) plan.end = p.cutover_end;
    }
    if (p.verdict == "finished") continue;
    if (s.st == St::kBlocked) {
      p.verdict = "blocked";
      p.problems.push_back(restricted(s).value_or("blocked"));
    } else if (s.st != St::kFinished) {
      p.verdict = "does not fit";
      if (!cold && s.window < 0) {
        p.problems.push_back(windows.empty()
                                 ? "the batch has no migration window"
                                 : "no usable window left (ended, past lockout, full, or shorter "
                                   "than the constraint's min_instance_boot_time)");
      } else if (s.st == St::kWaitingCreate || s.st == St::kWaitingImport) {
        p.problems.push_back("still waiting for a create or import slot at the horizon");
      }
    } else if (!cold && s.window != s.first_window) {
      p.verdict = "late";
    } else {
      p.verdict = "fits";
    }
    if (!cold && s.st == St::kFinished && s.window >= 0) {
      const Window& w = windows[s.window];
      const batch::Constraint* c = constraint_of(s);
      const double boot = c ? std::chrono::duration<double>(c->min_instance_boot_time).count() : 0;
      const double done = seconds_between(o.now, *p.cutover_end);
      if (done > w.end) {
        p.problems.push_back("post-migration ends " + format_seconds(done - w.end) +
                             " after window \"" + w.name + "\" ends");
        p.verdict = "does not fit";
      } else if (boot > 0 && w.end - done < boot) {
        p.problems.push_back("leaves " + format_seconds(w.end - done) + " of window \"" + w.name +
                             "\" for booting, less than min_instance_boot_time " +
                             format_seconds(boot));
        p.verdict = "does not fit";
      }
      if (p.background_done && *p.background_done > at(o, w.start)) {
        p.problems.push_back("background import ends " +
                             format_seconds(seconds_between(at(o, w.start), *p.background_done)) +
                             " after window \"" + w.name + "\" opens");
      }
    }
    if (p.verdict != "fits") plan.all_fit = false;
  }

  if (cut_short) {
    plan.assumptions.push_back("the simulation stopped after " + std::to_string(o.max_events) +
                               " events (+" + format_seconds(t) +
                               "): instances not done by then are shown as not fitting");
  }
  plan.assumptions.push_back("throughput: " + o.throughput_origin);
  if (o.aggregate_bytes_per_second > 0) {
    plan.assumptions.push_back("copies running at once share " +
                               format_rate(o.aggregate_bytes_per_second));
  } else {
    plan.assumptions.push_back(
        "copies running at once do not slow each other down (no aggregate figure: pass "
        "--aggregate if the link or the target disk is shared)");
  }
  if (any_allocated_unknown) {
    plan.assumptions.push_back(
        "the inventory does not give allocated bytes: full copies are planned as the disks' "
        "capacity (a thin disk copies faster: holes are not read)");
  }
  if (any_rate_assumed) {
    char buf[160];
    std::snprintf(buf, sizeof buf,
                  "no top-up observed: change rate assumed %.2f%% of the data per hour "
                  "(--change-rate to set it)",
                  o.change_fraction_per_hour * 100);
    plan.assumptions.push_back(buf);
  }
  plan.assumptions.push_back(
      "changes since a sync's snapshot are new blocks at a constant rate (rewrites of the same "
      "blocks make real change sets smaller), capped at the disk's data");
  char buf[768];
  std::snprintf(buf, sizeof buf,
                "fixed costs (%s): create %.2fs, per copy cycle %.2fs (snapshot, CBT query), per "
                "disk %.2fs (mm-transfer start), power-off %.2fs, post-migration %.2fs; disks of "
                "an instance are copied one after another",
                o.overheads_origin.c_str(), o.create_seconds, o.cycle_seconds, o.disk_seconds,
                o.power_off_seconds, o.post_migration_seconds);
  plan.assumptions.push_back(buf);
  plan.assumptions.push_back(
      "placement is the batch's default target (or the queue's placement once placed): a "
      "placement scriptlet is not run; the scheduler's 1 s tick is not modelled");
  return plan;
}

}  // namespace mm::bench
