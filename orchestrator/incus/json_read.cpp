#include "orchestrator/incus/json_read.h"

#include "orchestrator/incus/error.h"

namespace mm::incus::json_read {
namespace {

const char* type_name(const Json& v) {
  return v.is_object()    ? "an object"
         : v.is_array()   ? "an array"
         : v.is_string()  ? "a string"
         : v.is_boolean() ? "a boolean"
         : v.is_number()  ? "a number"
                          : "null";
}

[[noreturn]] void wrong(const std::string& path, const char* expected, const Json& got) {
  bad_reply("field \"" + path + "\" must be " + expected + ", not " + type_name(got));
}

// nullptr when absent or null.
const Json* member(const Json& obj, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return nullptr;
  return &*it;
}

}  // namespace

std::string join(const std::string& path, const std::string& key) {
  return path.empty() ? key : path + "." + key;
}

const Json& object(const Json& v, const std::string& path) {
  if (!v.is_object()) wrong(path.empty() ? "reply" : path, "an object", v);
  return v;
}

const Json& array(const Json& v, const std::string& path) {
  if (!v.is_array()) wrong(path.empty() ? "reply" : path, "an array", v);
  return v;
}

std::string string(const Json& obj, const char* key, const std::string& path) {
  const Json* m = member(obj, key);
  if (m == nullptr) return {};
  if (!m->is_string()) wrong(join(path, key), "a string", *m);
  return m->get<std::string>();
}

std::string required_string(const Json& obj, const char* key, const std::string& path) {
  if (member(obj, key) == nullptr) bad_reply("field \"" + join(path, key) + "\" is missing");
  return string(obj, key, path);
}

int64_t integer(const Json& obj, const char* key, const std::string& path) {
  const Json* m = member(obj, key);
  if (m == nullptr) return 0;
  if (m->is_number_integer()) return m->get<int64_t>();
  // Go marshals whole numbers without a fraction; anything else is not an integer field.
  wrong(join(path, key), "an integer", *m);
}

bool boolean(const Json& obj, const char* key, const std::string& path) {
  const Json* m = member(obj, key);
  if (m == nullptr) return false;
  if (!m->is_boolean()) wrong(join(path, key), "a boolean", *m);
  return m->get<bool>();
}

std::vector<std::string> strings(const Json& obj, const char* key, const std::string& path) {
  const Json* m = member(obj, key);
  std::vector<std::string> out;
  if (m == nullptr) return out;
  const std::string p = join(path, key);
  if (!m->is_array()) wrong(p, "an array of strings", *m);
  for (size_t i = 0; i < m->size(); ++i) {
    const Json& e = (*m)[i];
    if (!e.is_string()) wrong(p + "[" + std::to_string(i) + "]", "a string", e);
    out.push_back(e.get<std::string>());
  }
  return out;
}

std::map<std::string, std::string> string_map(const Json& obj, const char* key,
                                              const std::string& path) {
  const Json* m = member(obj, key);
  std::map<std::string, std::string> out;
  if (m == nullptr) return out;
  const std::string p = join(path, key);
  if (!m->is_object()) wrong(p, "an object of strings", *m);
  for (auto it = m->begin(); it != m->end(); ++it) {
    if (!it.value().is_string()) wrong(join(p, it.key()), "a string", it.value());
    out.emplace(it.key(), it.value().get<std::string>());
  }
  return out;
}

}  // namespace mm::incus::json_read
