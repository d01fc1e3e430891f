#include "orchestrator/api/certificate_json.h"

#include "orchestrator/api/json_fields.h"
#include "orchestrator/tls/fingerprint.h"

namespace mm::api {

state::CertificateRecord parse_certificate(std::string_view body) {
  const nlohmann::json j = parse_body_object(body);
  state::CertificateRecord c;
  c.name = opt_string(j, "name", "").value_or("");
  c.certificate = req_string(j, "certificate", "");
  auto fp = tls::pem_fingerprint(c.certificate);
  if (!fp) bad_field("", "certificate", "must be a PEM-encoded X.509 certificate");
  c.fingerprint = *fp;
  return c;
}

nlohmann::json certificate_to_json(const state::CertificateRecord& c) {
  return {{"name", c.name}, {"fingerprint", c.fingerprint}, {"certificate", c.certificate}};
}

}  // namespace mm::api
