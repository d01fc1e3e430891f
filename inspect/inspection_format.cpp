#include "inspect/inspection_format.h"

#include <cstdio>

namespace mm::inspect {
namespace {

std::string human_bytes(uint64_t n) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  double v = static_cast<double>(n);
  size_t u = 0;
  while (v >= 1024 && u + 1 < std::size(units)) v /= 1024, ++u;
  char s[32];
  snprintf(s, sizeof s, u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
  return s;
}

}  // namespace

nlohmann::json to_json(const Inspection& in) {
  nlohmann::json parts = nlohmann::json::array();
  for (const Partition& p : in.partitions) {
    parts.push_back({{"number", p.number},
                     {"start", p.start},
                     {"size", p.size},
                     {"type", p.type},
                     {"filesystem", p.filesystem},
                     {"label", p.label}});
  }
  return {{"size", in.size},
          {"partition_table", table_kind_name(in.table)},
          {"firmware", firmware_name(in.firmware)},
          {"partitions", parts},
          {"os",
           {{"family", in.os.family},
            {"id", in.os.id},
            {"name", in.os.name},
            {"version", in.os.version},
            {"pretty_name", in.os.pretty_name},
            {"source", in.os.source}}},
          {"warnings", in.warnings}};
}

std::string format_table(const Inspection& in) {
  std::string out;
  char line[1024];
  snprintf(line, sizeof line, "disk: %s (%lu bytes), partition table %s, firmware %s\n",
           human_bytes(in.size).c_str(), static_cast<unsigned long>(in.size),
           table_kind_name(in.table), firmware_name(in.firmware));
  out += line;
  if (!in.partitions.empty()) {
    snprintf(line, sizeof line, "%3s  %14s  %10s  %-22s  %-10s  %s\n", "#", "start", "size", "type",
             "filesystem", "label");
    out += line;
  }
  for (const Partition& p : in.partitions) {
    snprintf(line, sizeof line, "%3u  %14lu  %10s  %-22s  %-10s  %s\n", p.number,
             static_cast<unsigned long>(p.start), human_bytes(p.size).c_str(), p.type.c_str(),
             p.filesystem.c_str(), p.label.c_str());
    out += line;
  }
  out += "os: " + in.os.family;
  if (!in.os.pretty_name.empty()) {
    out += ", " + in.os.pretty_name;
  } else if (!in.os.name.empty()) {
    out += ", " + in.os.name + (in.os.version.empty() ? "" : " " + in.os.version);
  }
  if (!in.os.source.empty()) out += " (from " + in.os.source + ")";
  out += "\n";
  for (const std::string& w : in.warnings) out += "warning: " + w + "\n";
  return out;
}

}  // namespace mm::inspect
