#include "bench/mm-bench/daemon_fetch.h"

#include <iostream>

#include "bench/mm-bench/plan_bundle.h"
#include "cli/context.h"

namespace mm::bench {
namespace {

nlohmann::json plain(const cli::Json& j) {
  return nlohmann::json::parse(j.dump());
}

}  // namespace

cli::Client daemon_client(const DaemonChoice& choice) {
  if (!choice.socket.empty()) {
    cli::Endpoint ep;
    ep.socket = choice.socket;
    return cli::Client(ep);
  }
  cli::Context ctx(std::cin, std::cout, std::cerr, false);
  ctx.force_local = choice.force_local;
  if (!choice.remote.empty()) {
    if (!ctx.config().remotes.count(choice.remote)) {
      throw std::invalid_argument("no remote named \"" + choice.remote +
                                  "\" (migration-manager remote list)");
    }
    ctx.config().default_remote = choice.remote;
  }
  return ctx.client();
}

nlohmann::json fetch_plan_bundle(const cli::Client& client, const std::string& name, bool events) {
  // The URLs and the assembly are the library's (plan_bundle.h), shared with the daemon's own
  // GET /1.0/batches/NAME/plan; the client prefixes /1.0 itself.
  return assemble_plan_bundle(
      name,
      [&client](const std::string& url) {
        const std::string api = "/1.0";
        return plain(client.call("GET", url.starts_with(api) ? url.substr(api.size()) : url));
      },
      events);
}

}  // namespace mm::bench
