#include "cbt/extents_file.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

namespace mm::cbt {
namespace {

using nlohmann::json;

// A SAX consumer rather than a DOM: it sees each number's raw token (to tell an overflowing
// integer from a fraction), sees duplicate keys, and never builds a tree for a large file.
class ExtentsSax : public nlohmann::json_sax<json> {
 public:
  ExtentSet result;
  std::string error;

  bool null() override { return bad_value("null"); }
  bool boolean(bool) override { return bad_value("a boolean"); }
  bool number_integer(number_integer_t v) override {
    if (state_ != State::kValue) return bad_value("a number");
    if (v < 0) return fail_value("is negative (" + std::to_string(v) + ")");
    return number_unsigned(static_cast<number_unsigned_t>(v));
  }
  bool number_unsigned(number_unsigned_t v) override {
    if (state_ != State::kValue) return bad_value("a number");
    if (v > ExtentSet::kMaxEnd) return fail_value("exceeds 2^63-1 (" + std::to_string(v) + ")");
    (key_is_offset_ ? offset_ : length_) = v;
    state_ = State::kObject;
    return true;
  }
  bool number_float(number_float_t, const string_t& token) override {
    if (state_ != State::kValue) return bad_value("a number");
    const bool integral = token.find_first_not_of("-0123456789") == std::string::npos;
    if (integral && token.starts_with("-")) return fail_value("is negative (" + token + ")");
    if (integral) return fail_value("overflows 64 bits (" + token + ")");
    return fail_value("is not an integer (" + token + ")");
  }
  bool string(string_t&) override { return bad_value("a string"); }
  bool binary(binary_t&) override { return bad_value("binary data"); }
  bool start_object(std::size_t) override {
    if (state_ != State::kArray) return bad_value("an object");
    state_ = State::kObject;
    offset_.reset();
    length_.reset();
    return true;
  }
  bool key(string_t& k) override {
    if (k != "offset" && k != "length") return fail("unexpected key \"" + k + "\"");
    key_is_offset_ = k == "offset";
    if ((key_is_offset_ ? offset_ : length_).has_value()) return fail("duplicate key \"" + k + "\"");
    state_ = State::kValue;
    return true;
  }
  bool end_object() override {
    if (!offset_) return fail("missing \"offset\"");
    if (!length_) return fail("missing \"length\"");
    if (*length_ > ExtentSet::kMaxEnd - *offset_) {
      return fail("offset + length passes 2^63-1 (offset " + std::to_string(*offset_) +
                  ", length " + std::to_string(*length_) + ")");
    }
    result.add(*offset_, *length_);
    ++index_;
    state_ = State::kArray;
    return true;
  }
  bool start_array(std::size_t) override {
    if (state_ != State::kTop) return bad_value("an array");
    state_ = State::kArray;
    return true;
  }
  bool end_array() override {
    state_ = State::kDone;
    return true;
  }
  bool parse_error(std::size_t position, const std::string&,
                   const nlohmann::detail::exception& ex) override {
    error = "not valid JSON at byte " + std::to_string(position);
    if (state_ == State::kArray || state_ == State::kObject || state_ == State::kValue) {
      error += " (in element " + std::to_string(index_) + ")";
    }
    error += std::string(": ") + ex.what();
    return false;
  }

 private:
  enum class State { kTop, kArray, kObject, kValue, kDone };

  bool fail(const std::string& problem) {
    error = "element " + std::to_string(index_) + ": " + problem;
    return false;
  }
  bool fail_value(const std::string& problem) {
    return fail(std::string("\"") + (key_is_offset_ ? "offset" : "length") + "\" " + problem);
  }
  // A value of the wrong kind wherever it appears.
  bool bad_value(const std::string& what) {
    switch (state_) {
      case State::kTop:
        error = "the file must be a JSON array of {\"offset\":N,\"length\":N}, not " + what;
        return false;
      case State::kArray:
        return fail("is " + what + ", not an object {\"offset\":N,\"length\":N}");
      case State::kValue:
        return fail_value("is " + what + ", not an integer");
      default:
        return fail("unexpected " + what);
    }
  }

  State state_ = State::kTop;
  size_t index_ = 0;
  bool key_is_offset_ = false;
  std::optional<uint64_t> offset_;
  std::optional<uint64_t> length_;
};

}  // namespace

ExtentSet parse_extents_json(std::string_view text) {
  ExtentsSax sax;
  // strict: the whole input must be one JSON value (trailing garbage is a syntax error).
  const bool ok = json::sax_parse(text.begin(), text.end(), &sax, json::input_format_t::json, true);
  if (!ok) throw ExtentsFileError("extents file: " + sax.error);
  return std::move(sax.result);
}

ExtentSet read_extents_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ExtentsFileError("extents file " + path.string() + ": cannot open");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw ExtentsFileError("extents file " + path.string() + ": read error");
  try {
    return parse_extents_json(text.str());
  } catch (const ExtentsFileError& e) {
    throw ExtentsFileError(path.string() + ": " + e.what());
  }
}

std::string format_extents_json(const ExtentSet& set) {
  std::string out = "[";
  for (const Extent& e : set) {
    if (out.size() > 1) out += ',';
    out += "{\"offset\":" + std::to_string(e.offset) + ",\"length\":" + std::to_string(e.length) +
           "}";
  }
  out += "]\n";
  return out;
}

void write_extents_file(const std::filesystem::path& path, const ExtentSet& set) {
  std::filesystem::path tmp = path;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw ExtentsFileError("extents file " + tmp.string() + ": cannot create");
    out << format_extents_json(set);
    out.flush();
    if (!out) throw ExtentsFileError("extents file " + tmp.string() + ": write error");
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    throw ExtentsFileError("extents file " + path.string() + ": cannot rename into place");
  }
}

}  // namespace mm::cbt
