#pragma once
// Reads what a plan needs from migration-managerd (plan_input.h's bundle) through the CLI's REST
// client: the local unix socket, a socket path, or one of the CLI's remotes.
#include <string>

#include <nlohmann/json.hpp>

#include "cli/client.h"

namespace mm::bench {

struct DaemonChoice {
  std::string socket;  // a unix socket path ("" : the CLI's default)
  std::string remote;  // a remote of the CLI's configuration ("" : its default remote)
  bool force_local = false;
};

cli::Client daemon_client(const DaemonChoice& choice);

// The bundle for batch `name`; with `events` also each queued instance's event log.
nlohmann::json fetch_plan_bundle(const cli::Client& client, const std::string& name,
                                 bool events = true);

}  // namespace mm::bench
