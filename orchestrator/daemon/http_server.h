#pragma once
// The daemon's listeners: HTTPS on a TCP address (TLS 1.2+, client certificates checked against the
// trust list on every request) and a unix socket (mode 0660; trusted: the file permissions are the
// access control). Both hand requests to the same Router. Asynchronous Boost.Beast with callbacks
// on a small fixed pool of threads, so the number of threads is bounded whatever the clients do;
// every read and write has a deadline so a silent client cannot hold a connection forever.
#include <memory>
#include <string>

#include "orchestrator/api/router.h"
#include "orchestrator/state/store.h"
#include "orchestrator/tls/identity.h"

namespace mm::daemon {

class HttpServer {
 public:
  HttpServer(api::Router& router, state::Store& store, const tls::Identity& identity);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds now (so errors surface at start-up); returns the bound port (useful with port 0).
  unsigned short listen_https(const std::string& host, unsigned short port);
  void listen_unix(const std::string& path);

  // Starts `threads` worker threads; returns at once.
  void start(int threads);
  // Stops accepting, lets handlers that are running finish, and joins the threads.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mm::daemon
