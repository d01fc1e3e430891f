// GET /1.0: the server's description, shaped like the reference tool's api.Server.
#include <sys/utsname.h>

#include "orchestrator/api/router.h"

namespace mm::api {

Response handle_server(const Request& req, const ServerInfo& info) {
  if (req.method != "GET") return method_not_allowed("GET");
  struct utsname u {};
  ::uname(&u);
  nlohmann::json env = {{"server_name", info.server_name},
                        {"server_version", info.server_version},
                        {"kernel", u.sysname},
                        {"kernel_version", u.release},
                        {"kernel_architecture", u.machine},
                        {"certificate", info.certificate_pem},
                        {"certificate_fingerprint", info.certificate_fingerprint}};
  nlohmann::json meta = {{"config", nlohmann::json::object()},
                         {"api_extensions", nlohmann::json::array()},
                         {"api_status", "devel"},
                         {"api_version", "1.0"},
                         {"auth", req.trusted ? "trusted" : "untrusted"},
                         {"auth_methods", {"tls"}},
                         {"environment", env}};
  return sync_response(meta);
}

}  // namespace mm::api
