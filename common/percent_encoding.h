#pragma once
// Percent-encoding of URL path segments and query values (RFC 3986): what the API server, the CLI
// and the Incus client all need for names that may hold spaces or slashes ("Ubuntu 2404").
#include <optional>
#include <string>
#include <string_view>

namespace mm {

// Every byte but the unreserved ones (ALPHA DIGIT - . _ ~) as %XX, upper-case hex.
std::string percent_encode(std::string_view text);

// The bytes %XX stands for; with `plus_is_space` (form-encoded queries) '+' is a space. nullopt
// when a '%' is not followed by two hex digits.
std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space = false);

}  // namespace mm
