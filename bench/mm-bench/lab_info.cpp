#include "bench/mm-bench/lab_info.h"

#include <fstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

namespace mm::bench {

std::vector<std::string> lab_disk_images(const std::string& info_file) {
  std::ifstream in(info_file);
  const nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
  std::vector<std::string> out;
  if (j.is_object() && j.contains("vms") && j["vms"].is_array()) {
    for (const auto& vm : j["vms"]) {
      if (!vm.is_object() || !vm.contains("disk_images") || !vm["disk_images"].is_array()) continue;
      for (const auto& d : vm["disk_images"]) {
        if (d.is_string()) out.push_back(d.get<std::string>());
      }
    }
  }
  if (out.empty()) throw std::runtime_error(info_file + ": no vms[].disk_images to measure");
  return out;
}

}  // namespace mm::bench
