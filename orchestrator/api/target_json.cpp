#include "orchestrator/api/target_json.h"

#include <cctype>

#include "common/go_duration.h"
#include "orchestrator/api/api_error.h"
#include "orchestrator/api/json_fields.h"

namespace mm::api {

state::TargetRecord parse_target(std::string_view body) {
  const nlohmann::json j = parse_body_object(body);
  state::TargetRecord t;
  t.name = req_string(j, "name", "");
  check_name(t.name, "name");
  t.target_type = opt_string(j, "target_type", "").value_or("incus");
  if (t.target_type != "incus") bad_field("", "target_type", "must be \"incus\"");

  const nlohmann::json& p = req_object(j, "properties", "");
  t.endpoint = req_https_endpoint(p);
  t.tls_client_cert = opt_string(p, "tls_client_cert", "properties").value_or("");
  t.tls_client_key = opt_string(p, "tls_client_key", "properties");
  // "" (a round-tripped GET, which never shows the key) keeps the stored key.
  if (t.tls_client_key && t.tls_client_key->empty()) t.tls_client_key.reset();
  // A client key without its certificate (or the reverse, on create) cannot authenticate.
  if (t.tls_client_key && !t.tls_client_key->empty() && t.tls_client_cert.empty()) {
    bad_field("properties", "tls_client_cert", "is required with tls_client_key");
  }
  if (auto it = p.find("oidc_tokens"); it != p.end() && !it->is_null()) {
    if (!it->is_object()) bad_field("properties", "oidc_tokens", "must be an object");
    t.oidc_tokens = it->dump();
  }
  t.trusted_fingerprint = check_fingerprint(
      opt_string(p, "trusted_server_certificate_fingerprint", "properties").value_or(""),
      "properties.trusted_server_certificate_fingerprint");
  t.import_limit = opt_int(p, "import_limit", "properties", 1, 10000).value_or(50);
  t.create_limit = opt_int(p, "create_limit", "properties", 1, 10000).value_or(10);
  t.connection_timeout = opt_string(p, "connection_timeout", "properties").value_or("5m0s");
  if (!is_go_duration(t.connection_timeout)) {
    bad_field("properties", "connection_timeout", "must be a duration such as \"5m0s\"");
  }
  return t;
}

nlohmann::json target_to_json(const state::TargetRecord& t) {
  return {{"name", t.name},
          {"target_type", t.target_type},
          {"properties",
           {{"endpoint", t.endpoint},
            {"tls_client_cert", t.tls_client_cert},
            {"auth_type", t.has_oidc_tokens || t.tls_client_cert.empty() ? "OIDC" : "TLS"},
            {"trusted_server_certificate_fingerprint", t.trusted_fingerprint},
            {"import_limit", t.import_limit},
            {"create_limit", t.create_limit},
            {"connection_timeout", t.connection_timeout},
            {"connectivity_status", t.connectivity_status}}}};
}

}  // namespace mm::api
