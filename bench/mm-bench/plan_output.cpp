#include "bench/mm-bench/plan_output.h"

#include <algorithm>
#include <sstream>

#include "bench/mm-bench/units.h"
#include "common/xml_escape.h"
#include "orchestrator/batch/window_time.h"

namespace mm::bench {
namespace {

using nlohmann::json;

double secs(TimePoint a, TimePoint b) {
  return std::chrono::duration<double>(b - a).count();
}

// "+1m30s" after the plan's start: relative times read better than clocks in a plan.
std::string rel(const Plan& p, std::optional<TimePoint> t) {
  if (!t) return "-";
  return "+" + format_seconds(secs(p.now, *t));
}

std::string pad(const std::string& s, size_t w) {
  return s.size() >= w ? s : s + std::string(w - s.size(), ' ');
}

std::string opt_time(std::optional<TimePoint> t) {
  return t ? batch::format_rfc3339(*t) : "";
}

}  // namespace

std::string plan_table(const Plan& p) {
  std::ostringstream o;
  o << "Plan for batch \"" << p.batch << "\" from " << batch::format_window_time(p.now) << "\n\n";
  std::vector<std::vector<std::string>> rows;
  rows.push_back({"Instance", "Data", "Background import", "Top-ups", "Final top-up", "Window",
                  "Cutover", "Downtime", "Verdict"});
  for (const InstancePlan& i : p.instances) {
    std::string bg = "-", tops = "-", final_top = "-";
    int n = 0;
    double top_secs = 0;
    int64_t top_bytes = 0;
    for (const PlannedStage& s : i.stages) {
      const double d = secs(s.start, s.end);
      if (s.kind == "background_import" || s.kind == "cold_import") {
        bg = format_seconds(d) + " (" + rel(p, s.start) + ")";
      } else if (s.kind == "top_up") {
        ++n;
        top_secs += d;
        top_bytes += s.bytes;
      } else if (s.kind == "final_top_up") {
        final_top = format_seconds(d) + ", " + format_bytes(static_cast<double>(s.bytes));
      }
    }
    if (n > 0) {
      tops = std::to_string(n) + " x " + format_seconds(top_secs / n) + ", " +
             format_bytes(static_cast<double>(top_bytes) / n);
    }
    const std::string data =
        format_bytes(static_cast<double>(i.copy_bytes)) + (i.allocated_known ? "" : " (capacity)");
    const std::string cut = i.cutover_start ? rel(p, i.cutover_start) : "-";
    const std::string down = i.cutover_end ? format_seconds(i.downtime_seconds) + ", " +
                                                 format_bytes(static_cast<double>(i.final_bytes))
                                           : "-";
    rows.push_back({i.name, data, bg, tops, final_top, i.window.empty() ? "none" : i.window, cut,
                    down, i.verdict});
  }
  std::vector<size_t> w(rows[0].size(), 0);
  for (const auto& r : rows) {
    for (size_t c = 0; c < r.size(); ++c) w[c] = std::max(w[c], r[c].size());
  }
  for (size_t k = 0; k < rows.size(); ++k) {
    for (size_t c = 0; c < rows[k].size(); ++c) {
      o << (c ? "  " : "") << (c + 1 == rows[k].size() ? rows[k][c] : pad(rows[k][c], w[c]));
    }
    o << "\n";
  }
  bool problems = false;
  for (const InstancePlan& i : p.instances) {
    for (const std::string& why : i.problems) {
      if (!problems) o << "\nProblems:\n";
      problems = true;
      o << "  - " << i.name << ": " << why << "\n";
    }
  }
  o << "\n"
    << (p.all_fit ? "Every instance fits its window."
                  : "Some instances do not fit (see Verdict and Problems).")
    << (p.end ? " Last cutover done at " + rel(p, p.end) + "." : std::string()) << "\n";
  o << "\nAssumptions:\n";
  for (const std::string& a : p.assumptions) o << "  - " << a << "\n";
  o << "\nTimes are after the plan's start (" << batch::format_window_time(p.now)
    << "); Downtime is the final import plus the post-migration steps.\n";
  return o.str();
}

json plan_to_json(const Plan& p) {
  json instances = json::array();
  for (const InstancePlan& i : p.instances) {
    json stages = json::array();
    for (const PlannedStage& s : i.stages) {
      stages.push_back({{"kind", s.kind},
                        {"start", batch::format_rfc3339(s.start)},
                        {"end", batch::format_rfc3339(s.end)},
                        {"seconds", secs(s.start, s.end)},
                        {"bytes", s.bytes}});
    }
    instances.push_back({{"uuid", i.uuid},
                         {"name", i.name},
                         {"source", i.source},
                         {"target", i.target},
                         {"disk_bytes", i.disk_bytes},
                         {"copy_bytes", i.copy_bytes},
                         {"allocated_known", i.allocated_known},
                         {"change_rate_bytes_per_second", i.change_rate},
                         {"change_rate_origin", i.change_rate_origin},
                         {"window", i.window},
                         {"window_start", opt_time(i.window_start)},
                         {"window_end", opt_time(i.window_end)},
                         {"background_import_done", opt_time(i.background_done)},
                         {"cutover_start", opt_time(i.cutover_start)},
                         {"cutover_end", opt_time(i.cutover_end)},
                         {"downtime_seconds", i.downtime_seconds},
                         {"final_bytes", i.final_bytes},
                         {"verdict", i.verdict},
                         {"problems", i.problems},
                         {"stages", stages}});
  }
  return {{"batch", p.batch},
          {"now", batch::format_rfc3339(p.now)},
          {"end", opt_time(p.end)},
          {"stream_bytes_per_second", p.stream_bytes_per_second},
          {"aggregate_bytes_per_second", p.aggregate_bytes_per_second},
          {"all_fit", p.all_fit},
          {"assumptions", p.assumptions},
          {"instances", instances}};
}

std::string plan_svg(const Plan& p) {
  // The time axis spans the plan's start to its last stage (or window end).
  double span = 60;
  for (const InstancePlan& i : p.instances) {
    for (const PlannedStage& s : i.stages) span = std::max(span, secs(p.now, s.end));
    if (i.window_end) span = std::max(span, std::min(secs(p.now, *i.window_end), span * 1.5));
  }
  const double left = 180, width = 760, row = 26, top = 40;
  const double height = top + row * static_cast<double>(p.instances.size()) + 60;
  auto x = [&](double s) { return left + width * std::clamp(s / span, 0.0, 1.0); };
  auto colour = [](const std::string& kind) {
    if (kind == "create") return "#9e9e9e";
    if (kind == "background_import" || kind == "cold_import") return "#1f77b4";
    if (kind == "top_up") return "#2ca02c";
    if (kind == "final_top_up") return "#17becf";
    if (kind == "final_import") return "#d62728";
    return "#ff7f0e";  // post_migration
  };
  std::ostringstream o;
  o << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << left + width + 20 << "\" height=\""
    << height << "\" font-family=\"sans-serif\" font-size=\"12\">\n";
  o << "<text x=\"10\" y=\"20\" font-size=\"14\">Plan for batch " << xml_escape(p.batch) << " from "
    << xml_escape(batch::format_window_time(p.now)) << "</text>\n";
  for (size_t k = 0; k < p.instances.size(); ++k) {
    const InstancePlan& i = p.instances[k];
    const double y = top + row * static_cast<double>(k);
    if (i.window_start || i.window_end) {
      const double ws = i.window_start ? secs(p.now, *i.window_start) : 0;
      const double we = i.window_end ? secs(p.now, *i.window_end) : span;
      o << "<rect x=\"" << x(ws) << "\" y=\"" << y << "\" width=\"" << std::max(1.0, x(we) - x(ws))
        << "\" height=\"" << row - 4 << "\" fill=\"#fff3c4\"><title>window " << xml_escape(i.window)
        << "</title></rect>\n";
    }
    o << "<text x=\"10\" y=\"" << y + 15 << "\">" << xml_escape(i.name) << " ("
      << xml_escape(i.verdict) << ")</text>\n";
    for (const PlannedStage& s : i.stages) {
      const double a = x(secs(p.now, s.start)), b = x(secs(p.now, s.end));
      o << "<rect x=\"" << a << "\" y=\"" << y + 4 << "\" width=\"" << std::max(1.0, b - a)
        << "\" height=\"" << row - 12 << "\" fill=\"" << colour(s.kind) << "\"><title>"
        << xml_escape(s.kind) << " " << format_seconds(secs(s.start, s.end)) << ", "
        << format_bytes(static_cast<double>(s.bytes)) << "</title></rect>\n";
    }
  }
  const double axis = top + row * static_cast<double>(p.instances.size()) + 10;
  o << "<line x1=\"" << left << "\" y1=\"" << axis << "\" x2=\"" << left + width << "\" y2=\""
    << axis << "\" stroke=\"black\"/>\n";
  for (int k = 0; k <= 4; ++k) {
    const double s = span * k / 4;
    o << "<text x=\"" << x(s) - 10 << "\" y=\"" << axis + 15 << "\">+" << format_seconds(s)
      << "</text>\n";
  }
  double lx = left;
  for (const char* kind : {"create", "background_import", "top_up", "final_top_up", "final_import",
                           "post_migration"}) {
    o << "<rect x=\"" << lx << "\" y=\"" << axis + 25 << "\" width=\"10\" height=\"10\" fill=\""
      << colour(kind) << "\"/><text x=\"" << lx + 14 << "\" y=\"" << axis + 34 << "\">" << kind
      << "</text>\n";
    lx += 125;
  }
  o << "</svg>\n";
  return o.str();
}

}  // namespace mm::bench
