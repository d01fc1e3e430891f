#pragma once
// A small blocking HTTPS/1.1 client for byte ranges of one server's files (the vSphere datastore
// file service): keep-alive, `Range: bytes=a-b` GETs read straight into the caller's buffer, a
// session cookie, and the server certificate pinned by its SHA-256 fingerprint. One connection per
// object; the datastore reader runs several, each on its own thread. Boost.Beast + OpenSSL.
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace mm::transfer {

struct HttpsServer {
  std::string host;
  uint16_t port = 443;
  std::string pin;     // normalised SHA-256 fingerprint; empty: system CAs and the host name
  std::string cookie;  // sent as `Cookie:` (e.g. vmware_soap_session="..."); may be empty
  std::chrono::milliseconds timeout{60000};  // connect, handshake, and each request
};

struct HttpError : std::runtime_error {
  enum class Kind {
    kTransport,  // connect, TLS or socket failure, timeout, short body, 5xx: worth retrying
    kUntrusted,  // the certificate does not match the pin (or is not trusted)
    kAuth,       // 401 / 403: no session or an expired one
    kNotFound,   // 404
    kProtocol,   // any other reply that does not answer the request (no 206, wrong range...)
  };
  HttpError(Kind k, const std::string& what, std::string served = {})
      : std::runtime_error(what), kind(k), served_fingerprint(std::move(served)) {}
  bool retryable() const { return kind == Kind::kTransport; }
  Kind kind;
  std::string served_fingerprint;  // kUntrusted
};

// Content-Range: bytes FIRST-LAST/TOTAL (TOTAL may be '*'), or `bytes */TOTAL` (416 replies).
struct ContentRange {
  std::optional<uint64_t> first, last;  // absent in `bytes */TOTAL`
  std::optional<uint64_t> total;        // absent when '*'
};
std::optional<ContentRange> parse_content_range(std::string_view value);

// Checks the reply to `Range: bytes=offset-(offset+length-1)` of `what`. Returns an empty string
// when the body that follows is exactly the range asked for, else why not (for HttpError).
struct RangeReply {
  unsigned status = 0;
  std::string content_range;               // empty when absent
  std::optional<uint64_t> content_length;  // absent when chunked / unknown
};
HttpError check_range_reply(const RangeReply& reply, uint64_t offset, uint64_t length,
                            const std::string& what, bool* ok);

// The message for a status that is not a success: 401/403 name the session, 404 the file.
HttpError status_error(unsigned status, const std::string& what);

class HttpsConnection {
 public:
  explicit HttpsConnection(HttpsServer server);
  ~HttpsConnection();
  HttpsConnection(const HttpsConnection&) = delete;
  HttpsConnection& operator=(const HttpsConnection&) = delete;

  // Size of the file at `target` (path and query, percent-encoded): HEAD's Content-Length, or the
  // total of a one-byte range when HEAD gives none. Throws HttpError.
  uint64_t size_of(const std::string& target);
  // Reads exactly [offset, offset + length) of `target` into buf. Throws HttpError.
  void read_range(const std::string& target, uint64_t offset, uint64_t length, unsigned char* buf);
  // Drops the connection (the next request opens a new one).
  void reset();
  // From another thread, about once a second: ends a body read that has taken longer than the
  // timeout (the read then fails with a timeout and is retried); `now`: whatever its age.
  void check_stall(bool now = false);
  uint64_t connects() const { return connects_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  uint64_t connects_ = 0;
};

}  // namespace mm::transfer
