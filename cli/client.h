#pragma once
// Talking to migration-managerd: HTTP over its unix socket, or HTTPS to a remote with this CLI's
// client certificate and the server's certificate pinned by SHA-256 fingerprint (the daemon's
// certificate is self-signed, so the pin is the trust). Answers use the reference envelope;
// an error envelope becomes ServerError carrying the daemon's message.
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

namespace mm::cli {

using Json = nlohmann::ordered_json;

struct ServerError : std::runtime_error {
  ServerError(const std::string& message, int status)
      : std::runtime_error(message), status(status) {}
  int status;
};

struct Endpoint {
  bool https = false;
  std::string socket;  // unix socket path when !https
  std::string host, port;
  std::string pinned_fingerprint;   // required for https
  std::string cert_file, key_file;  // client certificate, optional
  std::string describe() const;
};

struct HttpReply {
  int status = 0;
  std::string body;
};

// Splits "https://HOST[:PORT][/]" (IPv6 in brackets); throws std::invalid_argument.
void parse_https_url(const std::string& url, std::string& host, std::string& port);

HttpReply http_request(const Endpoint& ep, const std::string& method, const std::string& target,
                       const std::string& body);
// POSTs a file's bytes, read from disk as they are sent (never whole in memory).
HttpReply http_upload(const Endpoint& ep, const std::string& target, const std::string& file);

struct ServerCertificate {
  std::string pem;
  std::string fingerprint;
};
// Connects without trusting anything and returns the certificate the server presents.
ServerCertificate fetch_server_certificate(const std::string& host, const std::string& port);

class Client {
 public:
  explicit Client(Endpoint ep) : ep_(std::move(ep)) {}
  // `path` below /1.0 ("" for /1.0 itself, "/sources?recursion=1"); returns the metadata.
  Json call(const std::string& method, const std::string& path, const Json* body = nullptr) const;
  // POST of a file's bytes to `path` below /1.0; returns the metadata as call() does.
  Json upload(const std::string& path, const std::string& file) const;
  const Endpoint& endpoint() const { return ep_; }

 private:
  Endpoint ep_;
};

}  // namespace mm::cli
