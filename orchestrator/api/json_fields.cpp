#include "orchestrator/api/json_fields.h"

#include <cctype>

#include "orchestrator/api/api_error.h"

namespace mm::api {
namespace {

std::string full(const std::string& path, const char* key) {
  return path.empty() ? std::string(key) : path + "." + key;
}

const nlohmann::json* member(const nlohmann::json& obj, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return nullptr;
  return &*it;
}

bool valid_utf8(const std::string& s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    // Continuation bytes expected after the lead byte; overlong and surrogate forms are not
    // rejected here: names are only compared and echoed, never decoded.
    size_t n = 0;
    if (c < 0x80) {
      n = 0;
    } else if ((c >> 5) == 0x6) {
      n = 1;
    } else if ((c >> 4) == 0xe) {
      n = 2;
    } else if ((c >> 3) == 0x1e) {
      n = 3;
    } else {
      return false;
    }
    if (i + n >= s.size() && n > 0) return false;
    for (size_t k = 1; k <= n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xc0) != 0x80) return false;
    }
    i += n + 1;
  }
  return true;
}

}  // namespace

void bad_field(const std::string& path, const char* key, const std::string& why) {
  throw ApiError(400, "invalid field \"" + full(path, key) + "\": " + why);
}

nlohmann::json parse_body_object(std::string_view body) {
  nlohmann::json j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) throw ApiError(400, "request body is not valid JSON");
  if (!j.is_object()) throw ApiError(400, "request body must be a JSON object");
  return j;
}

std::optional<std::string> opt_string(const nlohmann::json& obj, const char* key,
                                      const std::string& path) {
  const nlohmann::json* v = member(obj, key);
  if (!v) return std::nullopt;
  if (!v->is_string()) bad_field(path, key, "must be a string");
  return v->get<std::string>();
}

std::string req_string(const nlohmann::json& obj, const char* key, const std::string& path) {
  auto v = opt_string(obj, key, path);
  if (!v) bad_field(path, key, "is required");
  return *v;
}

std::optional<int64_t> opt_int(const nlohmann::json& obj, const char* key, const std::string& path,
                               int64_t min, int64_t max) {
  const nlohmann::json* v = member(obj, key);
  if (!v) return std::nullopt;
  if (!v->is_number_integer()) bad_field(path, key, "must be an integer");
  // Unsigned values above INT64_MAX would wrap in get<int64_t>(): reject them as out of range.
  if (v->is_number_unsigned() && v->get<uint64_t>() > static_cast<uint64_t>(max)) {
    bad_field(path, key, "must be between " + std::to_string(min) + " and " + std::to_string(max));
  }
  const int64_t n = v->get<int64_t>();
  if (n < min || n > max) {
    bad_field(path, key, "must be between " + std::to_string(min) + " and " + std::to_string(max));
  }
  return n;
}

std::optional<bool> opt_bool(const nlohmann::json& obj, const char* key, const std::string& path) {
  const nlohmann::json* v = member(obj, key);
  if (!v) return std::nullopt;
  if (!v->is_boolean()) bad_field(path, key, "must be true or false");
  return v->get<bool>();
}

void check_keys(const nlohmann::json& obj, std::initializer_list<const char*> allowed,
                const std::string& path) {
  for (const auto& item : obj.items()) {
    bool ok = false;
    for (const char* a : allowed) ok = ok || item.key() == a;
    if (!ok) bad_field(path, item.key().c_str(), "unknown field");
  }
}

const nlohmann::json& req_object(const nlohmann::json& obj, const char* key,
                                 const std::string& path) {
  const nlohmann::json* v = member(obj, key);
  if (!v) bad_field(path, key, "is required");
  if (!v->is_object()) bad_field(path, key, "must be an object");
  return *v;
}

void check_name(const std::string& name, const std::string& field) {
  auto fail = [&](const std::string& why) {
    throw ApiError(400, "invalid field \"" + field + "\": " + why);
  };
  if (name.empty()) fail("must not be empty");
  if (name.size() > 255) fail("must be at most 255 bytes");
  if (name == "." || name == "..") fail("must not be \".\" or \"..\"");
  for (char c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '/') fail("must not contain '/'");
    if (u < 0x20 || u == 0x7f) fail("must not contain control characters");
  }
  if (!valid_utf8(name)) fail("must be valid UTF-8");
}

std::string req_https_endpoint(const nlohmann::json& properties) {
  std::string endpoint = req_string(properties, "endpoint", "properties");
  if (endpoint.rfind("https://", 0) != 0 || endpoint.size() <= 8) {
    bad_field("properties", "endpoint", "must be an https:// URL");
  }
  return endpoint;
}

std::string check_fingerprint(const std::string& value, const std::string& field) {
  if (value.empty()) return value;
  std::string out;
  for (char c : value) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) {
      throw ApiError(400, "invalid field \"" + field + "\": must be 64 hex digits (SHA-256)");
    }
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  if (out.size() != 64) {
    throw ApiError(400, "invalid field \"" + field + "\": must be 64 hex digits (SHA-256)");
  }
  return out;
}

}  // namespace mm::api
