#pragma once
// A small HTTPS server for the datastore source's failure paths that the VMware simulator cannot
// produce (it does not check cookies on /folder/): real TLS on loopback (Boost.Beast), serving one
// 1 MiB pattern under /folder/MODE/disk-flat.vmdk with a fault chosen by MODE:
//   ok         HEAD, and GET with Range answered 206
//   auth       401 unless the Cookie is vmware_soap_session="good"
//   forbidden  403
//   norange    GET answered 200 with the whole file (a server ignoring Range)
//   flaky      every third GET sends half its body, then closes the connection
//   stall      the third GET sends half its body, then nothing (the connection stays open)
#include <openssl/ssl.h>

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace mm::test {

class HttpFaultServer {
 public:
  static constexpr size_t kSize = 1 << 20;
  static unsigned char byte_at(size_t i) {
    return static_cast<unsigned char>((i * 7 + i / 4096) & 0xff);
  }

  HttpFaultServer(const std::string& cert_pem, const std::string& key_pem)
      : tls_(boost::asio::ssl::context::tls_server), acceptor_(ioc_) {
    tls_.use_certificate_chain_file(cert_pem);
    tls_.use_private_key_file(key_pem, boost::asio::ssl::context::pem);
    const boost::asio::ip::tcp::endpoint ep(boost::asio::ip::make_address("127.0.0.1"), 0);
    acceptor_.open(ep.protocol());
    acceptor_.set_option(boost::asio::socket_base::reuse_address(true));
    acceptor_.bind(ep);
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    accept_thread_ = std::thread([this] { accept_loop(); });
  }

  ~HttpFaultServer() {
    stop_ = true;
    boost::system::error_code ec;
    {
      // A blocked accept() does not return when the socket is closed: connect to wake it.
      boost::asio::io_context wake_ioc;
      boost::asio::ip::tcp::socket wake(wake_ioc);
      wake.connect({boost::asio::ip::make_address("127.0.0.1"), port_}, ec);
      accept_thread_.join();
    }
    acceptor_.close(ec);
    {
      // Wake connection threads blocked in reads.
      std::lock_guard lock(mu_);
      for (auto* s : sockets_) s->shutdown(boost::asio::ip::tcp::socket::shutdown_both, ec);
    }
    for (auto& t : conn_threads_) t.join();
  }

  uint16_t port() const { return port_; }
  unsigned gets() const { return gets_.load(); }

 private:
  void accept_loop() {
    for (;;) {
      boost::asio::ip::tcp::socket sock(ioc_);
      boost::system::error_code ec;
      acceptor_.accept(sock, ec);
      if (ec || stop_) return;
      std::lock_guard lock(mu_);
      conn_threads_.emplace_back([this, s = std::move(sock)]() mutable { serve(std::move(s)); });
    }
  }

  void serve(boost::asio::ip::tcp::socket sock) {
    namespace http = boost::beast::http;
    boost::beast::ssl_stream<boost::asio::ip::tcp::socket> stream(std::move(sock), tls_);
    {
      std::lock_guard lock(mu_);
      sockets_.push_back(&stream.next_layer());
    }
    boost::system::error_code ec;
    stream.handshake(boost::asio::ssl::stream_base::server, ec);
    boost::beast::flat_buffer buf;
    while (!ec && !stop_) {
      http::request<http::empty_body> req;
      http::read(stream, buf, req, ec);
      if (ec) break;
      if (!answer(stream, req)) break;
    }
    std::lock_guard lock(mu_);
    std::erase(sockets_, &stream.next_layer());
  }

  template <class Stream, class Request>
  bool answer(Stream& stream, const Request& req) {
    namespace http = boost::beast::http;
    boost::system::error_code ec;
    const std::string target(req.target());
    const std::string mode = target.substr(8, target.find('/', 8) - 8);  // after "/folder/"
    http::response<http::string_body> res{http::status::ok, 11};
    res.keep_alive(true);
    auto fail = [&](http::status s) {
      res.result(s);
      res.body() = "no";
      res.prepare_payload();
      http::write(stream, res, ec);
      return !ec;
    };
    if (target.find("/disk-flat.vmdk?") == std::string::npos) return fail(http::status::not_found);
    if (mode == "forbidden") return fail(http::status::forbidden);
    if (mode == "auth" && req[http::field::cookie] != "vmware_soap_session=\"good\"") {
      return fail(http::status::unauthorized);
    }
    if (req.method() == http::verb::head) {
      http::response<http::empty_body> head{http::status::ok, 11};
      head.content_length(kSize);
      head.keep_alive(true);
      http::write(stream, head, ec);
      return !ec;
    }
    const unsigned n = ++gets_;
    size_t first = 0, last = kSize - 1;
    const std::string range(req[http::field::range]);
    if (mode != "norange" && sscanf(range.c_str(), "bytes=%zu-%zu", &first, &last) == 2) {
      res.result(http::status::partial_content);
      res.set(http::field::content_range, "bytes " + std::to_string(first) + "-" +
                                              std::to_string(last) + "/" + std::to_string(kSize));
    }
    for (size_t i = first; i <= last; ++i) res.body().push_back(static_cast<char>(byte_at(i)));
    res.prepare_payload();
    if (mode == "flaky" && n % 3 == 0) {  // headers and half the body, then the connection drops
      http::response_serializer<http::string_body> sr{res};
      http::write_header(stream, sr, ec);
      boost::asio::write(stream, boost::asio::buffer(res.body().data(), res.body().size() / 2), ec);
      stream.next_layer().shutdown(boost::asio::ip::tcp::socket::shutdown_both, ec);
      return false;
    }
    if (mode == "stall" && n == 3) {  // half the body, then silence until the client gives up
      http::response_serializer<http::string_body> sr{res};
      http::write_header(stream, sr, ec);
      boost::asio::write(stream, boost::asio::buffer(res.body().data(), res.body().size() / 2), ec);
      for (int i = 0; i < 300 && !stop_; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
      return false;
    }
    http::write(stream, res, ec);
    return !ec;
  }

  boost::asio::io_context ioc_;
  boost::asio::ssl::context tls_;
  boost::asio::ip::tcp::acceptor acceptor_;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<unsigned> gets_{0};
  std::mutex mu_;
  std::vector<boost::asio::ip::tcp::socket*> sockets_;
  std::thread accept_thread_;
  std::vector<std::thread> conn_threads_;
};

}  // namespace mm::test
