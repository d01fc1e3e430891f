#pragma once
// --listen HOST:PORT, with [IPv6]:PORT; throws std::invalid_argument on anything else.
#include <string>

namespace mm::daemon {

struct ListenAddress {
  std::string host;
  unsigned short port = 0;
};

ListenAddress parse_listen_address(const std::string& text);

}  // namespace mm::daemon
