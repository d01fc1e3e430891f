#include "bench/mm-bench/report.h"

#include <cmath>
#include <map>
#include <sstream>

#include "bench/mm-bench/history.h"
#include "bench/mm-bench/units.h"
#include "orchestrator/batch/window_time.h"

namespace mm::bench {
namespace {

using nlohmann::json;

double secs(TimePoint a, TimePoint b) {
  return std::chrono::duration<double>(b - a).count();
}

struct Durations {
  std::optional<double> background_import, top_up, final_top_up, downtime, total;
};

void add_mean(std::optional<double>& slot, double sum, int n) {
  if (n > 0) slot = sum / n;
}

// The plan's predictions for one instance (plan_to_json's "instances" item).
Durations predicted_of(const json& i) {
  Durations d;
  if (!i.is_object()) throw std::invalid_argument("plan: an instance is not an object");
  const json stages = i.value("stages", json::array());
  if (!stages.is_array()) throw std::invalid_argument("plan: stages must be an array");
  double top_sum = 0, first = -1, last = -1;
  int tops = 0;
  for (const json& s : stages) {
    if (!s.is_object()) throw std::invalid_argument("plan: a stage is not an object");
    const std::string kind = s.value("kind", std::string());
    const double sec = s.value("seconds", 0.0);
    const auto start = batch::parse_window_time(s.value("start", std::string()));
    const auto end = batch::parse_window_time(s.value("end", std::string()));
    if (kind == "background_import" || kind == "cold_import") d.background_import = sec;
    if (kind == "top_up") {
      top_sum += sec;
      ++tops;
    }
    if (kind == "final_top_up") d.final_top_up = sec;
    if (start && end && kind != "create") {
      const double a = std::chrono::duration<double>(start->time_since_epoch()).count();
      const double b = std::chrono::duration<double>(end->time_since_epoch()).count();
      if (first < 0 || a < first) first = a;
      last = std::max(last, b);
    }
  }
  add_mean(d.top_up, top_sum, tops);
  if (i.contains("downtime_seconds") && i["downtime_seconds"].is_number() &&
      i.value("cutover_end", std::string()) != "") {
    d.downtime = i["downtime_seconds"].get<double>();
  }
  if (first >= 0 && last >= first) d.total = last - first;
  return d;
}

Durations measured_of(const InstanceHistory& h) {
  Durations d;
  double top_sum = 0;
  int tops = 0;
  std::optional<TimePoint> first, cut;
  for (const Cycle& c : h.cycles) {
    if (c.kind != "create" && (!first || c.started < *first)) first = c.started;
    if (!c.completed) continue;
    const double s = secs(c.started, *c.completed);
    if (c.kind == "background_import") d.background_import = s;
    if (c.kind == "top_up" && c.final_top_up) d.final_top_up = s;
    if (c.kind == "top_up" && !c.final_top_up) {
      top_sum += s;
      ++tops;
    }
    if (c.kind == "final_import") cut = c.started;
  }
  add_mean(d.top_up, top_sum, tops);
  if (cut && h.finished) d.downtime = secs(*cut, *h.finished);
  if (first && h.finished) d.total = secs(*first, *h.finished);
  return d;
}

}  // namespace

Report make_report(const PlanInput& in, const json& plan) {
  Report r;
  std::map<std::string, Durations> predicted;
  if (!plan.is_null()) {
    if (!plan.is_object() || !plan.contains("instances") || !plan["instances"].is_array()) {
      throw std::invalid_argument("plan: not the output of mm-bench plan --json");
    }
    for (const json& i : plan["instances"]) {
      predicted[i.is_object() ? i.value("uuid", std::string()) : ""] = predicted_of(i);
    }
  }
  const auto history = history_from_events(in.events);
  for (const InstanceInput& i : in.instances) {
    auto h = history.find(i.uuid);
    const Durations m = h == history.end() ? Durations{} : measured_of(h->second);
    const Durations p = predicted.count(i.uuid) ? predicted[i.uuid] : Durations{};
    auto row = [&](const char* stage, std::optional<double> pv, std::optional<double> mv) {
      if (!pv && !mv) return;
      r.rows.push_back({i.name, stage, pv, mv});
      if (pv && mv && *mv > 0) {
        const double err = std::fabs(*mv - *pv) / *mv;
        if (!r.worst_error || err > *r.worst_error) r.worst_error = err;
      }
    };
    row("background_import", p.background_import, m.background_import);
    row("top_up (mean)", p.top_up, m.top_up);
    row("final_top_up", p.final_top_up, m.final_top_up);
    row("downtime", p.downtime, m.downtime);
    row("total", p.total, m.total);
  }
  return r;
}

std::string report_table(const Report& r) {
  std::ostringstream o;
  char line[256];
  std::snprintf(line, sizeof line, "%-24s %-18s %10s %10s %8s\n", "Instance", "Stage", "Predicted",
                "Measured", "Error");
  o << line;
  for (const StageComparison& c : r.rows) {
    std::string err = "-";
    if (c.predicted && c.measured && *c.measured > 0) {
      char b[32];
      std::snprintf(b, sizeof b, "%+.0f%%", 100 * (*c.predicted - *c.measured) / *c.measured);
      err = b;
    }
    std::snprintf(line, sizeof line, "%-24s %-18s %10s %10s %8s\n", c.instance.c_str(),
                  c.stage.c_str(), c.predicted ? format_seconds(*c.predicted).c_str() : "-",
                  c.measured ? format_seconds(*c.measured).c_str() : "-", err.c_str());
    o << line;
  }
  if (r.worst_error) {
    std::snprintf(line, sizeof line, "\nLargest prediction error: %.0f%% of the measured time.\n",
                  *r.worst_error * 100);
    o << line;
  }
  return o.str();
}

json report_to_json(const Report& r) {
  json rows = json::array();
  for (const StageComparison& c : r.rows) {
    rows.push_back({{"instance", c.instance},
                    {"stage", c.stage},
                    {"predicted_seconds", c.predicted ? json(*c.predicted) : json()},
                    {"measured_seconds", c.measured ? json(*c.measured) : json()}});
  }
  return {{"rows", rows}, {"worst_error", r.worst_error ? json(*r.worst_error) : json()}};
}

}  // namespace mm::bench
