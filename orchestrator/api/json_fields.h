#pragma once
// Typed field access for request bodies. Every failure is an ApiError 400 that names the field by
// its dotted path ("properties.endpoint"), so a client knows exactly what to fix.
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace mm::api {

// Parses a request body that must be one JSON object.
nlohmann::json parse_body_object(std::string_view body);

// The member `key` of `obj`; nullopt when absent (or JSON null). `path` prefixes the field name in
// error messages ("" at the top level).
std::optional<std::string> opt_string(const nlohmann::json& obj, const char* key,
                                      const std::string& path);
std::string req_string(const nlohmann::json& obj, const char* key, const std::string& path);
std::optional<int64_t> opt_int(const nlohmann::json& obj, const char* key, const std::string& path,
                               int64_t min, int64_t max);
std::optional<bool> opt_bool(const nlohmann::json& obj, const char* key, const std::string& path);
// Refuses members outside `allowed`: a misspelt field must not be silently ignored.
void check_keys(const nlohmann::json& obj, std::initializer_list<const char*> allowed,
                const std::string& path);
const nlohmann::json& req_object(const nlohmann::json& obj, const char* key,
                                 const std::string& path);

[[noreturn]] void bad_field(const std::string& path, const char* key, const std::string& why);

// Object names travel in URL paths: 1-255 bytes of valid UTF-8, no '/', no control characters,
// not "." or "..".
void check_name(const std::string& name, const std::string& field);
// properties.endpoint: sources and targets are only reachable over HTTPS; anything else is a
// typo that would fail at the first connection. Returns the value.
std::string req_https_endpoint(const nlohmann::json& properties);
// Empty, or 64 hex digits (a SHA-256 fingerprint); returned in lower case.
std::string check_fingerprint(const std::string& value, const std::string& field);

}  // namespace mm::api
