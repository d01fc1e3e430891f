#include "bench/mm-bench/measurements.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace mm::bench {
namespace {

using nlohmann::json;

[[noreturn]] void bad(const std::string& field, const std::string& problem) {
  throw std::invalid_argument("measurements: " + field + ": " + problem);
}

const json* member(const json& obj, const char* key) {
  auto it = obj.find(key);
  return it == obj.end() || it->is_null() ? nullptr : &*it;
}

double number(const json& obj, const char* key, const std::string& path, bool required,
              double fallback = 0) {
  const json* v = member(obj, key);
  if (!v) {
    if (required) bad(path + key, "is required");
    return fallback;
  }
  if (!v->is_number()) bad(path + key, "must be a number");
  const double d = v->get<double>();
  if (!std::isfinite(d) || d < 0) bad(path + key, "must be a finite number >= 0");
  return d;
}

uint64_t count(const json& obj, const char* key, const std::string& path) {
  const json* v = member(obj, key);
  if (!v) return 0;
  if (!v->is_number_integer() && !v->is_number_unsigned()) bad(path + key, "must be an integer");
  if (v->is_number_integer() && v->get<int64_t>() < 0) bad(path + key, "must be >= 0");
  return v->get<uint64_t>();
}

std::string text(const json& obj, const char* key, const std::string& path) {
  const json* v = member(obj, key);
  if (!v) return "";
  if (!v->is_string()) bad(path + key, "must be a string");
  return v->get<std::string>();
}

const json& array(const json& obj, const char* key, const std::string& path) {
  static const json empty = json::array();
  const json* v = member(obj, key);
  if (!v) return empty;
  if (!v->is_array()) bad(path + key, "must be an array");
  return *v;
}

std::optional<double> optional_seconds(const json& obj, const char* key, const std::string& path) {
  if (!member(obj, key)) return std::nullopt;
  return number(obj, key, path, true);
}

}  // namespace

bool Overheads::is_measured(const std::string& field) const {
  return std::find(measured.begin(), measured.end(), field) != measured.end();
}

double median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

void summarize(Measurements& m) {
  m.throughput_bytes_per_second = 0;
  for (DiskMeasurement& d : m.disks) {
    for (TuningResult& t : d.results) {
      std::vector<double> secs, rates;
      for (const RunResult& r : t.runs) {
        secs.push_back(r.seconds);
        rates.push_back(r.throughput_bytes_per_second);
      }
      t.median_seconds = median(secs);
      t.median_throughput_bytes_per_second = median(rates);
      if (t.median_throughput_bytes_per_second > m.throughput_bytes_per_second) {
        m.throughput_bytes_per_second = t.median_throughput_bytes_per_second;
        m.best_connections = t.connections;
        m.best_request_size = t.request_size;
      }
    }
  }
}

json to_json(const Measurements& m) {
  json disks = json::array();
  for (const DiskMeasurement& d : m.disks) {
    json results = json::array();
    for (const TuningResult& t : d.results) {
      json runs = json::array();
      for (const RunResult& r : t.runs) {
        runs.push_back({{"seconds", r.seconds},
                        {"throughput_bytes_per_second", r.throughput_bytes_per_second},
                        {"bytes_read", r.bytes_read}});
      }
      results.push_back(
          {{"connections", t.connections},
           {"request_size", t.request_size},
           {"median_seconds", t.median_seconds},
           {"median_throughput_bytes_per_second", t.median_throughput_bytes_per_second},
           {"runs", runs}});
    }
    disks.push_back({{"source", d.source},
                     {"target", d.target},
                     {"size", d.size},
                     {"bytes_read", d.bytes_read},
                     {"results", results}});
  }
  json out = {
      {"version", m.version},
      {"created", m.created},
      {"throughput_bytes_per_second", m.throughput_bytes_per_second},
      {"best", {{"connections", m.best_connections}, {"request_size", m.best_request_size}}},
      {"disks", disks}};
  json o = json::object();
  auto put = [&](const char* k, const std::optional<double>& v) {
    if (v) o[k] = *v;
  };
  put("create_seconds", m.overheads.create_seconds);
  put("cycle_seconds", m.overheads.cycle_seconds);
  put("disk_seconds", m.overheads.disk_seconds);
  put("power_off_seconds", m.overheads.power_off_seconds);
  put("post_migration_seconds", m.overheads.post_migration_seconds);
  if (!m.overheads.measured.empty()) {
    o["measured"] = m.overheads.measured;
    if (!m.overheads.measured_at.empty()) o["measured_at"] = m.overheads.measured_at;
  }
  if (!o.empty()) out["overheads"] = o;
  return out;
}

Measurements measurements_from_json(const json& j) {
  if (!j.is_object()) bad("", "the file must hold a JSON object");
  Measurements m;
  const json* version = member(j, "version");
  if (version) {
    if (!version->is_number_integer() || version->get<int64_t>() != 1) {
      bad("version", "must be 1 (this mm-bench reads version 1)");
    }
  }
  m.created = text(j, "created", "");
  m.throughput_bytes_per_second = number(j, "throughput_bytes_per_second", "", true);
  if (m.throughput_bytes_per_second <= 0) bad("throughput_bytes_per_second", "must be > 0");
  if (const json* best = member(j, "best")) {
    if (!best->is_object()) bad("best", "must be an object");
    m.best_connections = count(*best, "connections", "best.");
    m.best_request_size = count(*best, "request_size", "best.");
  }
  const json& disks = array(j, "disks", "");
  for (size_t i = 0; i < disks.size(); ++i) {
    const std::string dp = "disks[" + std::to_string(i) + "].";
    if (!disks[i].is_object()) bad(dp, "must be an object");
    DiskMeasurement d;
    d.source = text(disks[i], "source", dp);
    d.target = text(disks[i], "target", dp);
    d.size = count(disks[i], "size", dp);
    d.bytes_read = count(disks[i], "bytes_read", dp);
    const json& results = array(disks[i], "results", dp);
    for (size_t k = 0; k < results.size(); ++k) {
      const std::string rp = dp + "results[" + std::to_string(k) + "].";
      if (!results[k].is_object()) bad(rp, "must be an object");
      TuningResult t;
      t.connections = count(results[k], "connections", rp);
      t.request_size = count(results[k], "request_size", rp);
      t.median_seconds = number(results[k], "median_seconds", rp, false);
      t.median_throughput_bytes_per_second =
          number(results[k], "median_throughput_bytes_per_second", rp, false);
      const json& runs = array(results[k], "runs", rp);
      for (size_t r = 0; r < runs.size(); ++r) {
        const std::string p = rp + "runs[" + std::to_string(r) + "].";
        if (!runs[r].is_object()) bad(p, "must be an object");
        t.runs.push_back({number(runs[r], "seconds", p, false),
                          number(runs[r], "throughput_bytes_per_second", p, false),
                          count(runs[r], "bytes_read", p)});
      }
      d.results.push_back(std::move(t));
    }
    m.disks.push_back(std::move(d));
  }
  if (const json* o = member(j, "overheads")) {
    if (!o->is_object()) bad("overheads", "must be an object");
    m.overheads.create_seconds = optional_seconds(*o, "create_seconds", "overheads.");
    m.overheads.cycle_seconds = optional_seconds(*o, "cycle_seconds", "overheads.");
    m.overheads.disk_seconds = optional_seconds(*o, "disk_seconds", "overheads.");
    m.overheads.power_off_seconds = optional_seconds(*o, "power_off_seconds", "overheads.");
    m.overheads.post_migration_seconds =
        optional_seconds(*o, "post_migration_seconds", "overheads.");
    const json& measured = array(*o, "measured", "overheads.");
    for (size_t i = 0; i < measured.size(); ++i) {
      const std::string p = "overheads.measured[" + std::to_string(i) + "]";
      if (!measured[i].is_string()) bad(p, "must be a string");
      const std::string f = measured[i].get<std::string>();
      if (std::find(std::begin(kOverheadFields), std::end(kOverheadFields), f) ==
          std::end(kOverheadFields)) {
        bad(p, "\"" + f +
                   "\" is not an overhead (create_seconds, cycle_seconds, disk_seconds, "
                   "power_off_seconds, post_migration_seconds)");
      }
      if (!member(*o, f.c_str())) bad(p, "\"" + f + "\" is listed as measured but not given");
      m.overheads.measured.push_back(f);
    }
    m.overheads.measured_at = text(*o, "measured_at", "overheads.");
  }
  return m;
}

Measurements parse_measurements(std::string_view text) {
  const json j = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) throw std::invalid_argument("measurements: not valid JSON");
  return measurements_from_json(j);
}

Measurements load_measurements(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read the measurements file " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  try {
    return parse_measurements(ss.str());
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(path + ": " + e.what());
  }
}

std::optional<double> throughput_for(const Measurements& m, uint64_t connections) {
  if (connections == 0) return m.throughput_bytes_per_second;
  std::vector<double> per_disk;
  for (const DiskMeasurement& d : m.disks) {
    double best = 0;
    for (const TuningResult& t : d.results) {
      if (t.connections == connections) best = std::max(best, t.median_throughput_bytes_per_second);
    }
    if (best > 0) per_disk.push_back(best);
  }
  if (per_disk.empty()) return std::nullopt;
  return median(per_disk);
}

}  // namespace mm::bench
