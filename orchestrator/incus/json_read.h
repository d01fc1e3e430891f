#pragma once
// Typed reads of Incus reply fields. Each failure is an IncusError (kProtocol) naming the field by
// its dotted path ("metadata.status_code"), so a garbage reply says what was wrong with it.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace mm::incus::json_read {

using Json = nlohmann::json;

const Json& object(const Json& v, const std::string& path);
const Json& array(const Json& v, const std::string& path);
// The member `key` of `obj`; a missing member or JSON null reads as the default ("", 0, false,
// empty), as Go's encoding/json does, but a member of the wrong type is an error.
std::string string(const Json& obj, const char* key, const std::string& path);
int64_t integer(const Json& obj, const char* key, const std::string& path);
bool boolean(const Json& obj, const char* key, const std::string& path);
std::vector<std::string> strings(const Json& obj, const char* key, const std::string& path);
std::map<std::string, std::string> string_map(const Json& obj, const char* key,
                                              const std::string& path);
// Like `string`, but the member must be present.
std::string required_string(const Json& obj, const char* key, const std::string& path);

std::string join(const std::string& path, const std::string& key);

}  // namespace mm::incus::json_read
