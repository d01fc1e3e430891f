#include "cli/yaml_input.h"

#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cstdlib>

#include "cli/editor.h"

namespace mm::cli {
namespace {

[[noreturn]] void fail(const std::string& path, const std::string& why) {
  throw EditError("field \"" + path + "\": " + why);
}

int64_t to_int(const YAML::Node& n, const std::string& path) {
  if (!n.IsScalar()) fail(path, "must be a number");
  const std::string s = n.Scalar();
  char* end = nullptr;
  errno = 0;
  const long long v = std::strtoll(s.c_str(), &end, 10);
  if (s.empty() || *end != '\0' || errno == ERANGE) fail(path, "\"" + s + "\" is not a number");
  return v;
}

bool to_bool(const YAML::Node& n, const std::string& path) {
  if (!n.IsScalar()) fail(path, "must be true or false");
  const std::string s = n.Scalar();
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  fail(path, "\"" + s + "\" is not true or false");
}

Json read_object(const YAML::Node& n, const std::vector<YamlField>& schema, const std::string& at) {
  Json out = Json::object();
  if (!n || n.IsNull()) return out;
  if (!n.IsMap()) {
    if (at.empty()) throw EditError("the document must be a YAML mapping");
    fail(at, "must be a mapping");
  }
  for (const auto& kv : n) {
    if (!kv.first.IsScalar()) throw EditError("keys must be plain names");
    const std::string key = kv.first.Scalar();
    const std::string path = at.empty() ? key : at + "." + key;
    const YamlField* f = nullptr;
    for (const auto& c : schema) {
      if (c.name == key) f = &c;
    }
    if (!f) throw EditError("unknown field \"" + path + "\"");
    const YAML::Node& v = kv.second;
    switch (f->kind) {
      case YamlField::Kind::String:
        if (v.IsNull()) {
          out[key] = "";
        } else if (v.IsScalar()) {
          out[key] = v.Scalar();
        } else {
          fail(path, "must be a string");
        }
        break;
      case YamlField::Kind::Bool:
        out[key] = to_bool(v, path);
        break;
      case YamlField::Kind::Int:
        out[key] = to_int(v, path);
        break;
      case YamlField::Kind::StringMap: {
        Json m = Json::object();
        if (!v.IsNull()) {
          if (!v.IsMap()) fail(path, "must be a mapping of strings");
          for (const auto& e : v) {
            if (!e.first.IsScalar() || !(e.second.IsScalar() || e.second.IsNull())) {
              fail(path, "must be a mapping of strings");
            }
            m[e.first.Scalar()] = e.second.IsNull() ? "" : e.second.Scalar();
          }
        }
        out[key] = m;
        break;
      }
      case YamlField::Kind::Object:
        out[key] = read_object(v, f->children, path);
        break;
    }
  }
  return out;
}

}  // namespace

Json yaml_to_json(const std::string& text, const std::vector<YamlField>& schema) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw EditError(e.what());
  }
  return read_object(root, schema, "");
}

}  // namespace mm::cli
