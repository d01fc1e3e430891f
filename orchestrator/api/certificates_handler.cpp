// /1.0/certificates and /1.0/certificates/{fingerprint}: the HTTPS trust list. Reachable only by
// trusted clients (the unix socket, or an already trusted certificate), like every route.
#include "orchestrator/api/api_error.h"
#include "orchestrator/api/certificate_json.h"
#include "orchestrator/api/router.h"

namespace mm::api {

Response handle_certificates(const Request& req, const ParsedTarget& t, state::Store& store) {
  const auto& s = t.segments;
  if (s.size() == 2) {
    if (req.method == "GET") {
      nlohmann::json out = nlohmann::json::array();
      for (const auto& c : store.list_certificates()) out.push_back(certificate_to_json(c));
      return sync_response(out);
    }
    if (req.method == "POST") {
      const state::CertificateRecord c = parse_certificate(req.body);
      store.add_certificate(c);
      Response r = sync_response(certificate_to_json(c), 201);
      r.headers.emplace_back("Location", "/1.0/certificates/" + c.fingerprint);
      return r;
    }
    return method_not_allowed("GET, POST");
  }
  if (s.size() != 3) throw ApiError(404, "not found");
  if (req.method == "GET") {
    for (const auto& c : store.list_certificates()) {
      if (c.fingerprint == s[2]) return sync_response(certificate_to_json(c));
    }
    throw ApiError(404, "certificate not found");
  }
  if (req.method == "DELETE") {
    store.delete_certificate(s[2]);
    return sync_response(nlohmann::json::object());
  }
  return method_not_allowed("GET, DELETE");
}

}  // namespace mm::api
