#include "orchestrator/incus/requests.h"

#include <cctype>
#include <stdexcept>

namespace mm::incus {
namespace {

void require(bool ok, const std::string& message) {
  if (!ok) throw std::invalid_argument(message);
}

// Incus names: 1-63 letters, digits and dashes, not starting with a digit or dash.
void check_name(const std::string& name, const std::string& what) {
  bool ok = !name.empty() && name.size() <= 63 &&
            !std::isdigit(static_cast<unsigned char>(name[0])) && name[0] != '-' &&
            name.back() != '-';
  for (char c : name) ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '-');
  require(ok, what + " \"" + name +
                  "\": only letters, digits and dashes (1-63), not starting "
                  "with a digit or dash");
}

void check_mac(const std::string& mac, const std::string& what) {
  bool ok = mac.size() == 17;
  for (size_t i = 0; ok && i < mac.size(); ++i) {
    ok = (i % 3 == 2) ? mac[i] == ':' : std::isxdigit(static_cast<unsigned char>(mac[i])) != 0;
  }
  require(ok, what + ": \"" + mac + "\" is not a MAC address (xx:xx:xx:xx:xx:xx)");
}

}  // namespace

nlohmann::json volume_create_body(const VolumeSpec& spec) {
  check_name(spec.name, "volume name");
  require(spec.content_type == "block" || spec.content_type == "filesystem",
          "volume content_type must be block or filesystem");
  nlohmann::json config = nlohmann::json::object();
  for (const auto& [k, v] : spec.config) config[k] = v;
  if (!spec.size.empty()) config["size"] = spec.size;
  return {{"name", spec.name},
          {"type", "custom"},
          {"content_type", spec.content_type},
          {"description", spec.description},
          {"config", config}};
}

nlohmann::json instance_create_body(const InstanceSpec& spec) {
  check_name(spec.name, "instance name");
  require(spec.type == "virtual-machine" || spec.type == "container",
          "instance type must be virtual-machine or container");
  require(spec.cpus >= 1, "instance cpus must be at least 1");
  require(spec.memory_bytes >= (1u << 20), "instance memory must be at least 1 MiB");

  nlohmann::json config = nlohmann::json::object();
  config["limits.cpu"] = std::to_string(spec.cpus);
  config["limits.memory"] = std::to_string(spec.memory_bytes) + "B";
  if (spec.type == "virtual-machine") {
    config["security.secureboot"] = spec.firmware == Firmware::kUefiSecureBoot ? "true" : "false";
    if (spec.firmware == Firmware::kBios) config["security.csm"] = "true";
  }
  for (const auto& [k, v] : spec.config) config[k] = v;
  require(!(config.value("security.csm", "") == "true" &&
            config.value("security.secureboot", "") == "true"),
          "security.csm (BIOS) needs security.secureboot=false");

  nlohmann::json devices = nlohmann::json::object();
  for (const NicSpec& nic : spec.nics) {
    check_name(nic.device, "NIC device name");
    require(!devices.contains(nic.device), "device \"" + nic.device + "\" given twice");
    check_mac(nic.hwaddr, "NIC " + nic.device + " hwaddr");
    nlohmann::json d = {{"type", "nic"}, {"name", nic.device}, {"hwaddr", nic.hwaddr}};
    if (!nic.network.empty()) {
      require(nic.nictype.empty() && nic.parent.empty(),
              "NIC " + nic.device + ": give network, or nictype and parent, not both");
      d["network"] = nic.network;
    } else {
      require(!nic.nictype.empty() && !nic.parent.empty(),
              "NIC " + nic.device + ": needs a network, or a nictype and a parent");
      d["nictype"] = nic.nictype;
      d["parent"] = nic.parent;
    }
    if (!nic.vlan.empty())
      d[nic.vlan.find(',') == std::string::npos ? "vlan" : "vlan.tagged"] = nic.vlan;
    devices[nic.device] = d;
  }
  bool have_root = false;
  for (const DiskSpec& disk : spec.disks) {
    check_name(disk.device, "disk device name");
    require(!devices.contains(disk.device), "device \"" + disk.device + "\" given twice");
    require(!disk.pool.empty(), "disk " + disk.device + ": pool is required");
    nlohmann::json d = {{"type", "disk"}, {"pool", disk.pool}};
    if (disk.path == "/") {
      require(!have_root, "only one root disk (path /)");
      have_root = true;
      d["path"] = "/";
      if (!disk.size.empty()) d["size"] = disk.size;
    } else {
      require(!disk.source.empty(),
              "disk " + disk.device + ": source (a custom volume) is required");
      d["source"] = disk.source;
      if (!disk.path.empty()) d["path"] = disk.path;
    }
    for (const auto& [k, v] : disk.extra) d[k] = v;
    devices[disk.device] = d;
  }
  if (spec.tpm) devices["vtpm"] = {{"type", "tpm"}, {"path", "/dev/tpm0"}};

  nlohmann::json body = {{"name", spec.name},
                         {"type", spec.type},
                         {"source", {{"type", "none"}}},
                         {"description", spec.description},
                         {"config", config},
                         {"devices", devices}};
  if (!spec.architecture.empty()) body["architecture"] = spec.architecture;
  if (!spec.profiles.empty()) body["profiles"] = spec.profiles;
  return body;
}

nlohmann::json instance_state_body(const std::string& action, int timeout_seconds, bool force) {
  require(action == "start" || action == "stop" || action == "restart" || action == "freeze" ||
              action == "unfreeze",
          "unknown instance action \"" + action + "\"");
  return {{"action", action}, {"timeout", timeout_seconds}, {"force", force}, {"stateful", false}};
}

}  // namespace mm::incus
