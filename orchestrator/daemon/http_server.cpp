#include "orchestrator/daemon/http_server.h"

#include <openssl/ssl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/strand.hpp>

#include <atomic>
#include <stdexcept>
#include <thread>
#include <vector>

#include "orchestrator/daemon/session.h"
#include "orchestrator/tls/fingerprint.h"

namespace mm::daemon {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = net::ip::tcp;
using local = net::local::stream_protocol;

TlsSession::TlsSession(tcp::socket&& socket, ssl::context& ctx, api::Router& router,
                       std::function<bool(const std::string&)> is_trusted)
    : Session<TlsSession>(router, "https"),
      stream_(std::move(socket), ctx),
      is_trusted_(std::move(is_trusted)) {}

void TlsSession::run() {
  beast::get_lowest_layer(stream_).expires_after(kIoTimeout);
  stream_.async_handshake(ssl::stream_base::server, [s = shared_from_this()](beast::error_code ec) {
    if (ec) return s->close();
    if (X509* cert = SSL_get1_peer_certificate(s->stream_.native_handle())) {
      s->fingerprint_ = tls::fingerprint(cert);
      X509_free(cert);
    }
    s->do_read();
  });
}

// Looked up on every request rather than once per connection, so removing a certificate from the
// trust list shuts out its open connections too.
bool TlsSession::trusted() {
  return !fingerprint_.empty() && is_trusted_(fingerprint_);
}

void TlsSession::close() {
  beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(5));
  stream_.async_shutdown(
      [s = shared_from_this()](beast::error_code) { beast::get_lowest_layer(s->stream_).close(); });
}

struct HttpServer::Impl {
  Impl(api::Router& r, state::Store& st)
      : router(r), store(st), ssl_ctx(ssl::context::tls_server) {}

  void accept_tls() {
    tcp_acceptor->async_accept(
        net::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
          if (!ec && take_slot(socket)) {
            auto s = std::make_shared<TlsSession>(
                std::move(socket), ssl_ctx, router,
                [this](const std::string& fp) { return store.is_trusted(fp); });
            s->hold_slot(slot());
            s->run();
          }
          if (tcp_acceptor->is_open()) accept_tls();
        });
  }

  void accept_unix() {
    unix_acceptor->async_accept(
        net::make_strand(ioc), [this](beast::error_code ec, local::socket socket) {
          if (!ec && take_slot(socket)) {
            auto s = std::make_shared<UnixSession>(std::move(socket), router);
            s->hold_slot(slot());
            s->run();
          }
          if (unix_acceptor->is_open()) accept_unix();
        });
  }

  // Open connections are capped: each costs a descriptor and buffers, and the threads serving them
  // are a fixed pool, so past the cap a new connection is closed at once rather than queued.
  template <class Socket>
  bool take_slot(Socket& socket) {
    if (active.fetch_add(1) >= kMaxConnections) {
      active.fetch_sub(1);
      beast::error_code ignored;
      socket.close(ignored);
      return false;
    }
    return true;
  }
  std::shared_ptr<void> slot() {
    return std::shared_ptr<void>(nullptr, [this](void*) { active.fetch_sub(1); });
  }

  static constexpr int kMaxConnections = 256;
  std::atomic<int> active{0};
  api::Router& router;
  state::Store& store;
  net::io_context ioc;
  ssl::context ssl_ctx;
  std::unique_ptr<tcp::acceptor> tcp_acceptor;
  std::unique_ptr<local::acceptor> unix_acceptor;
  std::string unix_path;
  std::vector<std::thread> threads;
};

HttpServer::HttpServer(api::Router& router, state::Store& store, const tls::Identity& identity)
    : impl_(std::make_unique<Impl>(router, store)) {
  auto& ctx = impl_->ssl_ctx;
  ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                  ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_2_VERSION);
  ctx.use_certificate_chain(net::buffer(identity.cert_pem));
  ctx.use_private_key(net::buffer(identity.key_pem), ssl::context::pem);
  // Ask every client for a certificate but accept any, self-signed included: trust is decided by
  // fingerprint per request, and a client without one must still get a JSON 403, not a TLS alert.
  ctx.set_verify_mode(ssl::verify_peer);
  ctx.set_verify_callback([](bool, ssl::verify_context&) { return true; });
  static const unsigned char sid[] = "migration-managerd";
  SSL_CTX_set_session_id_context(ctx.native_handle(), sid, sizeof sid - 1);
}

HttpServer::~HttpServer() {
  stop();
}

unsigned short HttpServer::listen_https(const std::string& host, unsigned short port) {
  const tcp::endpoint ep(net::ip::make_address(host), port);
  impl_->tcp_acceptor = std::make_unique<tcp::acceptor>(impl_->ioc);
  impl_->tcp_acceptor->open(ep.protocol());
  impl_->tcp_acceptor->set_option(net::socket_base::reuse_address(true));
  impl_->tcp_acceptor->bind(ep);
  impl_->tcp_acceptor->listen(net::socket_base::max_listen_connections);
  return impl_->tcp_acceptor->local_endpoint().port();
}

void HttpServer::listen_unix(const std::string& path) {
  // A socket file left by a killed daemon would make bind fail; nothing else lives at this path.
  ::unlink(path.c_str());
  impl_->unix_acceptor = std::make_unique<local::acceptor>(impl_->ioc);
  impl_->unix_acceptor->open(local());
  // Create the socket with its final mode so there is no moment where it is wider than 0660.
  const mode_t old = ::umask(0117);
  beast::error_code ec;
  impl_->unix_acceptor->bind(local::endpoint(path), ec);
  ::umask(old);
  if (ec) throw std::runtime_error("bind " + path + ": " + ec.message());
  ::chmod(path.c_str(), 0660);
  impl_->unix_acceptor->listen(net::socket_base::max_listen_connections);
  impl_->unix_path = path;
}

void HttpServer::start(int threads) {
  if (impl_->tcp_acceptor) impl_->accept_tls();
  if (impl_->unix_acceptor) impl_->accept_unix();
  for (int i = 0; i < threads; ++i) impl_->threads.emplace_back([this] { impl_->ioc.run(); });
}

void HttpServer::stop() {
  if (!impl_) return;
  // Stop the loop first: a handler already running (and its SQLite transaction) completes before
  // run() returns. The acceptors are closed after the join, when no thread can touch them.
  impl_->ioc.stop();
  for (auto& t : impl_->threads) t.join();
  impl_->threads.clear();
  beast::error_code ec;
  if (impl_->tcp_acceptor) impl_->tcp_acceptor->close(ec);
  if (impl_->unix_acceptor) impl_->unix_acceptor->close(ec);
  if (!impl_->unix_path.empty()) {
    ::unlink(impl_->unix_path.c_str());
    impl_->unix_path.clear();
  }
}

}  // namespace mm::daemon
