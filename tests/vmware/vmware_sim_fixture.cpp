#include "tests/vmware/vmware_sim_fixture.h"

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace mm::test {

VmwareSim::VmwareSim(const std::string& model, const std::string& model_json,
                     const std::string& extra_flags) {
  datastore_dir_ = dir_.file("ds");
  std::string text = model_json;
  for (size_t at; (at = text.find("@DS@")) != std::string::npos;) {
    text.replace(at, 4, datastore_dir_);
  }
  std::ofstream(dir_.file("model.json")) << text;
  const std::string info = dir_.file("info.json");
  std::string command = "exec " + std::string(MM_BINARY_DIR) + "/bin/vmware-sim --model " + model +
                        " --config " + dir_.file("model.json") + " --info-file " + info + " " +
                        extra_flags;
  if (const char* trace = std::getenv("MM_VMWARE_SIM_TRACE")) {
    command += " --trace 2>>" + std::string(trace);
  }
  process_ = std::make_unique<BackgroundProcess>(command, dir_.file("sim.log"));
  for (int i = 0; i < 600; ++i) {
    std::ifstream in(info);
    std::stringstream ss;
    ss << in.rdbuf();
    if (!ss.str().empty()) {
      const auto j = nlohmann::json::parse(ss.str());
      url_ = j.at("url").get<std::string>();
      fingerprint_ = j.at("fingerprint").get<std::string>();
      return;
    }
    if (!process_->running()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::ifstream log(dir_.file("sim.log"));
  std::stringstream ss;
  ss << log.rdbuf();
  throw std::runtime_error("vmware-sim did not start: " + ss.str());
}

source::SourceEndpoint VmwareSim::endpoint(bool pinned) const {
  source::SourceEndpoint e;
  e.url = url_;
  e.username = kUser;
  e.password = kPassword;
  if (pinned) e.trusted_fingerprint = fingerprint_;
  return e;
}

}  // namespace mm::test
