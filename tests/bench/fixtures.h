#pragma once
// API-shaped fixtures for the planner: what GET /1.0/batches/NAME, .../instances?recursion=1,
// /1.0/sources and /1.0/targets answer, built small so each test states only what it changes.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace mm::bench::test {

inline constexpr const char* kNow = "2025-12-01T00:00:00Z";
inline constexpr double kMiB = 1024.0 * 1024.0;

inline nlohmann::json batch_json(const std::string& windows_json = R"([{"name": "w1",
    "start": "2025-12-01T01:00:00Z", "end": "2025-12-01T02:00:00Z",
    "lockout": "0001-01-01T00:00:00Z", "capacity": 0}])") {
  nlohmann::json b = {
      {"name", "batch01"},
      {"include_expression", "true"},
      {"migration_windows", nlohmann::json::parse(windows_json)},
      {"constraints", nlohmann::json::array()},
      {"defaults",
       {{"placement",
         {{"target", "incus01"}, {"target_project", "default"}, {"storage_pool", "default"}}},
        {"migration_network", nlohmann::json::array()}}},
      {"config",
       {{"rerun_scriptlets", false},
        {"placement_scriptlet", ""},
        {"post_migration_retries", 5},
        {"instance_restriction_overrides",
         {{"allow_unknown_os", false},
          {"allow_no_ipv4", false},
          {"allow_no_background_import", false}}},
        {"background_sync_interval", "0s"},
        {"final_background_sync_limit", "5m0s"}}},
      {"status", "Defined"},
      {"status_message", "Defined"},
      {"start_date", "0001-01-01T00:00:00Z"}};
  return b;
}

inline nlohmann::json instance_json(const std::string& uuid, const std::string& name,
                                    double disk_mib, bool cbt = true,
                                    const std::string& source = "vcenter01") {
  return {{"source", source},
          {"source_type", "vmware"},
          {"properties",
           {{"uuid", uuid},
            {"name", name},
            {"location", "/dc/vm/" + name},
            {"os", "ubuntu"},
            {"os_version", "22.04"},
            {"cpus", 2},
            {"memory", 2147483648LL},
            {"running", true},
            {"background_import", cbt},
            {"nics", nlohmann::json::array()},
            {"disks",
             {{{"capacity", static_cast<int64_t>(disk_mib * kMiB)},
               {"name", "[datastore-01] " + name + "/" + name + ".vmdk"},
               {"shared", false},
               {"supported", true}}}}}},
          {"last_update_from_source", kNow},
          {"overrides", nlohmann::json::object()},
          {"missing", false}};
}

// Instances as a vector: a braced single JSON element would be copied, not wrapped in an array.
inline nlohmann::json bundle(const nlohmann::json& batch,
                             const std::vector<nlohmann::json>& instances, int source_limit = 50,
                             int target_limit = 50) {
  return {{"batch", batch},
          {"instances", nlohmann::json(instances)},
          {"sources",
           {{{"name", "vcenter01"},
             {"source_type", "vmware"},
             {"properties", {{"endpoint", "https://vc"}, {"import_limit", source_limit}}}}}},
          {"targets",
           {{{"name", "incus01"},
             {"target_type", "incus"},
             {"properties", {{"import_limit", target_limit}, {"create_limit", 10}}}}}},
          {"queue", nlohmann::json::array()},
          {"events", nlohmann::json::array()}};
}

}  // namespace mm::bench::test
