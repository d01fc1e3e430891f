#include "orchestrator/daemon/listen_address.h"

#include <charconv>
#include <stdexcept>

namespace mm::daemon {

ListenAddress parse_listen_address(const std::string& text) {
  ListenAddress a;
  std::string port;
  if (!text.empty() && text[0] == '[') {
    const size_t close = text.find(']');
    if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      throw std::invalid_argument("--listen: expected [IPV6]:PORT, got \"" + text + "\"");
    }
    a.host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    const size_t colon = text.rfind(':');
    if (colon == std::string::npos || text.find(':') != colon) {
      throw std::invalid_argument("--listen: expected HOST:PORT, got \"" + text + "\"");
    }
    a.host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  if (a.host.empty()) a.host = "0.0.0.0";
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || ec != std::errc() || end != port.data() + port.size() || value > 65535) {
    throw std::invalid_argument("--listen: bad port \"" + port + "\"");
  }
  a.port = static_cast<unsigned short>(value);
  return a;
}

}  // namespace mm::daemon
