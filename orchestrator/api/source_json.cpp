#include "orchestrator/api/source_json.h"

#include "orchestrator/api/api_error.h"
#include "orchestrator/api/json_fields.h"
#include "orchestrator/artifacts/disk_access.h"

namespace mm::api {

state::SourceRecord parse_source(std::string_view body) {
  const nlohmann::json j = parse_body_object(body);
  state::SourceRecord s;
  s.name = req_string(j, "name", "");
  check_name(s.name, "name");
  s.source_type = opt_string(j, "source_type", "").value_or("vmware");
  if (s.source_type != "vmware") bad_field("", "source_type", "must be \"vmware\"");

  const nlohmann::json& p = req_object(j, "properties", "");
  s.endpoint = req_https_endpoint(p);
  s.username = opt_string(p, "username", "properties").value_or("");
  s.password = opt_string(p, "password", "properties");
  // The API never returns the password, so a client that round-trips a GET sends "": that means
  // "keep the stored one", as leaving it out does.
  if (s.password && s.password->empty()) s.password.reset();
  s.trusted_fingerprint = check_fingerprint(
      opt_string(p, "trusted_server_certificate_fingerprint", "properties").value_or(""),
      "properties.trusted_server_certificate_fingerprint");
  s.import_limit = opt_int(p, "import_limit", "properties", 1, 10000).value_or(50);
  s.disk_access = opt_string(p, "disk_access", "properties").value_or("auto");
  if (s.disk_access.empty()) s.disk_access = "auto";
  try {
    artifacts::check_disk_access_setting(s.disk_access);
  } catch (const std::invalid_argument& e) {
    bad_field("properties", "disk_access", e.what());
  }
  return s;
}

nlohmann::json source_to_json(const state::SourceRecord& s) {
  return {{"name", s.name},
          {"source_type", s.source_type},
          {"properties",
           {{"endpoint", s.endpoint},
            {"username", s.username},
            {"trusted_server_certificate_fingerprint", s.trusted_fingerprint},
            {"import_limit", s.import_limit},
            {"connectivity_status", s.connectivity_status},
            {"disk_access", s.disk_access}}}};
}

}  // namespace mm::api
