#include "orchestrator/worker/report_parse.h"

#include <nlohmann/json.hpp>
#include <string>

namespace mm::worker {

namespace {

using nlohmann::json;

bool get_u64(const json& j, const char* key, uint64_t* out, bool required = true) {
  const auto it = j.find(key);
  if (it == j.end()) return !required;
  if (!it->is_number_unsigned()) return false;
  *out = it->get<uint64_t>();
  return true;
}

bool get_double(const json& j, const char* key, double* out, bool required = true) {
  const auto it = j.find(key);
  if (it == j.end()) return !required;
  if (!it->is_number()) return false;
  *out = it->get<double>();
  return true;
}

json parse_object(std::string_view line) {
  json j = json::parse(line.begin(), line.end(), nullptr, false);
  return j.is_object() ? j : json();
}

}  // namespace

std::optional<WorkerProgress> parse_progress_line(std::string_view line) {
  const json j = parse_object(line);
  if (!j.is_object()) return std::nullopt;
  const auto type = j.find("type"), phase = j.find("phase");
  if (type == j.end() || *type != "progress") return std::nullopt;
  if (phase == j.end() || !phase->is_string()) return std::nullopt;
  WorkerProgress p;
  p.phase = phase->get<std::string>();
  if (!get_u64(j, "bytes_done", &p.bytes_done) || !get_u64(j, "bytes_total", &p.bytes_total) ||
      !get_double(j, "bytes_per_second", &p.bytes_per_second) ||
      !get_double(j, "seconds", &p.seconds, false)) {
    return std::nullopt;
  }
  const auto eta = j.find("eta_seconds");
  if (eta != j.end() && eta->is_number()) p.eta_seconds = eta->get<double>();
  if (eta != j.end() && !eta->is_number() && !eta->is_null()) return std::nullopt;
  return p;
}

std::optional<TransferResult> parse_final_report(std::string_view line) {
  const json j = parse_object(line);
  if (!j.is_object()) return std::nullopt;
  TransferResult r;
  if (!get_u64(j, "size", &r.size) || !get_u64(j, "bytes_read", &r.bytes_read) ||
      !get_u64(j, "bytes_written", &r.bytes_written, false) ||
      !get_u64(j, "bytes_zeroed", &r.bytes_zeroed, false) ||
      !get_u64(j, "bytes_skipped", &r.bytes_skipped, false) ||
      !get_u64(j, "bytes_changed", &r.bytes_changed, false) ||
      !get_u64(j, "resumed_from", &r.resumed_from, false) ||
      !get_u64(j, "retries", &r.retries, false) ||
      !get_u64(j, "reconnects", &r.reconnects, false) ||
      !get_double(j, "seconds", &r.seconds, false) ||
      !get_double(j, "throughput_bytes_per_second", &r.throughput_bytes_per_second, false)) {
    return std::nullopt;
  }
  const auto digest = j.find("digest");
  if (digest != j.end() && digest->is_string()) r.digest = digest->get<std::string>();
  if (digest != j.end() && !digest->is_string() && !digest->is_null()) return std::nullopt;
  r.report = std::string(line);
  return r;
}

}  // namespace mm::worker
