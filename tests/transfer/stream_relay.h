#pragma once
// A TCP relay between an mmt:// sender and receiver, to make a link misbehave on purpose: cut it,
// hold the sender's bytes, freeze it both ways with the sockets left open (a frozen NAT entry or a
// hung peer), or pace it slowly. The faults apply to the first connection only: a sender that
// reconnects through the relay gets a healthy link. Pacing applies to every connection.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <thread>
#include <vector>

namespace mm::test {

class StreamRelay {
 public:
  explicit StreamRelay(uint16_t upstream) : upstream_(upstream) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    EXPECT_EQ(::listen(listen_fd_, 8), 0);
    socklen_t len = sizeof a;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { run(); });
  }
  ~StreamRelay() {
    stop_ = true;
    thread_.join();
    for (Pair& p : pairs_) close_pair(p);
    ::close(listen_fd_);
  }
  uint16_t port() const { return port_; }

  // The first connection is closed both ways once `bytes` went from the sender.
  void cut_after(uint64_t bytes) { cut_after_ = bytes; }
  // The first connection stops carrying the sender's bytes after `bytes` (acks still flow).
  void hold_after(uint64_t bytes) { hold_after_ = bytes; }
  // The first connection stops carrying anything, either way, after `bytes` from the sender; its
  // sockets stay open and unread.
  void freeze_after(uint64_t bytes) { freeze_after_ = bytes; }
  // Every connection carries at most this many bytes per second each way (0: no limit).
  void pace(uint64_t bytes_per_second) { pace_ = bytes_per_second; }

  bool holding() const { return holding_; }
  bool frozen() const { return frozen_; }
  uint64_t connections() const { return connections_; }

 private:
  struct Pair {
    int client = -1, server = -1;
    bool first = false;
    bool frozen = false;
    uint64_t forwarded = 0;  // bytes from the sender
    double tokens[2] = {0, 0};
  };

  static void close_pair(Pair& p) {
    if (p.client >= 0) ::close(p.client);
    if (p.server >= 0) ::close(p.server);
    p.client = p.server = -1;
  }

  void accept_one() {
    const int client = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) return;
    const int server = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(upstream_);
    if (::connect(server, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      ::close(server);
      ::close(client);
      return;
    }
    Pair p;
    p.client = client;
    p.server = server;
    p.first = ++connections_ == 1;
    pairs_.push_back(p);
  }

  // Moves up to the allowed bytes from one socket to the other; false when the link ended.
  bool forward(Pair& p, int dir) {
    const int from = dir == 0 ? p.client : p.server, to = dir == 0 ? p.server : p.client;
    size_t want = sizeof buf_;
    if (pace_) want = std::min<size_t>(want, static_cast<size_t>(p.tokens[dir]));
    if (p.first && dir == 0) {
      for (uint64_t limit : {cut_after_.load(), hold_after_.load(), freeze_after_.load()}) {
        if (limit && p.forwarded < limit) want = std::min<uint64_t>(want, limit - p.forwarded);
      }
    }
    if (want == 0) return true;
    const ssize_t n = ::read(from, buf_, want);
    if (n <= 0) return false;
    for (ssize_t done = 0; done < n;) {
      // MSG_NOSIGNAL: a peer that went away must end this pair, not the test (SIGPIPE).
      const ssize_t w = ::send(to, buf_ + done, static_cast<size_t>(n - done), MSG_NOSIGNAL);
      if (w <= 0) return false;
      done += w;
    }
    if (pace_) p.tokens[dir] -= static_cast<double>(n);
    if (dir == 0) p.forwarded += static_cast<uint64_t>(n);
    return !(p.first && cut_after_ && p.forwarded >= cut_after_);
  }

  void run() {
    auto last = std::chrono::steady_clock::now();
    while (!stop_) {
      // Refill the pacing buckets (at most 50 ms worth, so a pause does not become a burst).
      const auto now = std::chrono::steady_clock::now();
      const double seconds = std::chrono::duration<double>(now - last).count();
      last = now;
      for (Pair& p : pairs_) {
        for (double& t : p.tokens) {
          t = std::min(t + seconds * static_cast<double>(pace_), 0.05 * static_cast<double>(pace_));
        }
      }
      std::vector<pollfd> fds{{listen_fd_, POLLIN, 0}};
      struct Who {
        size_t pair;
        int dir;
        bool held;
      };
      std::vector<Who> who;
      for (size_t i = 0; i < pairs_.size(); ++i) {
        Pair& p = pairs_[i];
        if (p.client < 0) continue;
        if (p.first && freeze_after_ && p.forwarded >= freeze_after_) p.frozen = frozen_ = true;
        if (p.frozen) continue;  // nothing read, nothing written, nothing closed
        const bool hold = p.first && hold_after_ && p.forwarded >= hold_after_;
        if (p.first) holding_ = hold;
        for (int dir = 0; dir < 2; ++dir) {
          const bool held = dir == 0 && hold;
          const bool paced_out = pace_ && p.tokens[dir] < 1;
          // Held: watch only for the sender hanging up (POLLRDHUP: its FIN), read nothing.
          const short events = held ? POLLRDHUP : paced_out ? 0 : POLLIN;
          fds.push_back({dir == 0 ? p.client : p.server, events, 0});
          who.push_back({i, dir, held});
        }
      }
      if (::poll(fds.data(), fds.size(), pace_ ? 5 : 50) < 0) return;
      if (fds[0].revents & POLLIN) accept_one();
      for (size_t k = 1; k < fds.size(); ++k) {
        if (!(fds[k].revents & (POLLIN | POLLHUP | POLLERR | POLLRDHUP))) continue;
        const Who& w = who[k - 1];
        Pair& p = pairs_[w.pair];
        if (p.client < 0) continue;
        // A held sender that hangs up: close, without passing on the bytes it held.
        if (w.held || !forward(p, w.dir)) close_pair(p);
      }
    }
  }

  uint16_t upstream_, port_ = 0;
  int listen_fd_ = -1;
  std::thread thread_;
  std::vector<Pair> pairs_;  // relay thread only
  char buf_[65536];
  std::atomic<bool> stop_{false}, holding_{false}, frozen_{false};
  std::atomic<uint64_t> cut_after_{0}, hold_after_{0}, freeze_after_{0}, pace_{0}, connections_{0};
};

}  // namespace mm::test
