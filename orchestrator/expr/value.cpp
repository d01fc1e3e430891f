#include "orchestrator/expr/value.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>

namespace mm::expr {

std::string_view type_name(Type t) {
  switch (t) {
    case Type::kNil:
      return "nil";
    case Type::kBool:
      return "bool";
    case Type::kInt:
      return "int";
    case Type::kFloat:
      return "float";
    case Type::kString:
      return "string";
    case Type::kArray:
      return "array";
    case Type::kMap:
      return "map";
  }
  return "unknown";
}

Value Value::from_json(const nlohmann::json& j) {
  switch (j.type()) {
    case nlohmann::json::value_t::boolean:
      return boolean(j.get<bool>());
    case nlohmann::json::value_t::number_integer:
      return integer(j.get<std::int64_t>());
    case nlohmann::json::value_t::number_unsigned: {
      auto u = j.get<std::uint64_t>();
      // Beyond int64 only a float can hold the magnitude.
      if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
        return number(static_cast<double>(u));
      return integer(static_cast<std::int64_t>(u));
    }
    case nlohmann::json::value_t::number_float:
      return number(j.get<double>());
    case nlohmann::json::value_t::string:
      return Value(Storage(std::string_view(j.get_ref<const std::string&>())));
    case nlohmann::json::value_t::array:
    case nlohmann::json::value_t::object:
      return Value(Storage(&j));
    default:
      return Value();
  }
}

Type Value::type() const {
  switch (v_.index()) {
    case 0:
      return Type::kNil;
    case 1:
      return Type::kBool;
    case 2:
      return Type::kInt;
    case 3:
      return Type::kFloat;
    case 4:
    case 5:
      return Type::kString;
    case 6:
      return Type::kArray;
    case 7:
      return Type::kMap;
    default:
      return std::get<const nlohmann::json*>(v_)->is_array() ? Type::kArray : Type::kMap;
  }
}

double Value::to_double() const {
  if (const auto* i = std::get_if<std::int64_t>(&v_)) return static_cast<double>(*i);
  return std::get<double>(v_);
}

std::string_view Value::as_string() const {
  if (const auto* s = std::get_if<std::string>(&v_)) return *s;
  return std::get<std::string_view>(v_);
}

std::size_t Value::size() const {
  if (const auto* a = std::get_if<std::shared_ptr<const Array>>(&v_)) return (*a)->size();
  if (const auto* m = std::get_if<std::shared_ptr<const Map>>(&v_)) return (*m)->size();
  if (const auto* j = std::get_if<const nlohmann::json*>(&v_)) return (*j)->size();
  return 0;
}

Value Value::at(std::size_t i) const {
  if (const auto* a = std::get_if<std::shared_ptr<const Array>>(&v_)) return (**a)[i];
  return from_json((*std::get<const nlohmann::json*>(v_))[i]);
}

bool Value::get(std::string_view key, Value* out) const {
  if (const auto* m = std::get_if<std::shared_ptr<const Map>>(&v_)) {
    auto it = (*m)->find(key);
    if (it == (*m)->end()) return false;
    *out = it->second;
    return true;
  }
  const nlohmann::json& j = *std::get<const nlohmann::json*>(v_);
  auto it = j.find(key);
  if (it == j.end()) return false;
  *out = from_json(*it);
  return true;
}

Value Value::owned() const {
  switch (type()) {
    case Type::kString:
      return string(std::string(as_string()));
    case Type::kArray: {
      Array out;
      out.reserve(size());
      for (std::size_t i = 0; i < size(); ++i) out.push_back(at(i).owned());
      return array(std::move(out));
    }
    case Type::kMap: {
      Map out;
      for_each_entry([&](std::string_view k, const Value& v) { out.emplace(k, v.owned()); });
      return map(std::move(out));
    }
    default:
      return *this;
  }
}

nlohmann::json Value::to_json() const {
  switch (type()) {
    case Type::kNil:
      return nullptr;
    case Type::kBool:
      return as_bool();
    case Type::kInt:
      return as_int();
    case Type::kFloat:
      return as_float();
    case Type::kString:
      return std::string(as_string());
    case Type::kArray: {
      if (const auto* j = std::get_if<const nlohmann::json*>(&v_)) return **j;
      auto out = nlohmann::json::array();
      for (std::size_t i = 0; i < size(); ++i) out.push_back(at(i).to_json());
      return out;
    }
    case Type::kMap: {
      if (const auto* j = std::get_if<const nlohmann::json*>(&v_)) return **j;
      auto out = nlohmann::json::object();
      for_each_entry(
          [&](std::string_view k, const Value& v) { out[std::string(k)] = v.to_json(); });
      return out;
    }
  }
  return nullptr;
}

bool equal(const Value& a, const Value& b) {
  Type ta = a.type();
  Type tb = b.type();
  if (a.is_number() && b.is_number()) {
    if (ta == Type::kInt && tb == Type::kInt) return a.as_int() == b.as_int();
    return a.to_double() == b.to_double();
  }
  if (ta != tb) return false;
  switch (ta) {
    case Type::kNil:
      return true;
    case Type::kBool:
      return a.as_bool() == b.as_bool();
    case Type::kString:
      return a.as_string() == b.as_string();
    case Type::kArray: {
      if (a.size() != b.size()) return false;
      for (std::size_t i = 0; i < a.size(); ++i)
        if (!equal(a.at(i), b.at(i))) return false;
      return true;
    }
    case Type::kMap: {
      if (a.size() != b.size()) return false;
      bool same = true;
      a.for_each_entry([&](std::string_view k, const Value& v) {
        Value other;
        if (same && (!b.get(k, &other) || !equal(v, other))) same = false;
      });
      return same;
    }
    default:
      return false;
  }
}

std::string format_float(double f) {
  if (std::isnan(f)) return "NaN";
  if (std::isinf(f)) return f > 0 ? "+Inf" : "-Inf";
  // Shortest round-trip digits laid out as strconv's 'g' does for shortest precision: exponent
  // form when the exponent is below -4 or at least 6 (so 1e+06, 123456, 1e-05).
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, f, std::chars_format::scientific);
  std::string sci(buf, res.ptr);
  bool neg = !sci.empty() && sci[0] == '-';
  if (neg) sci.erase(0, 1);
  auto epos = sci.find('e');
  std::string mant = sci.substr(0, epos);
  int exp = std::atoi(sci.c_str() + epos + 1);
  std::string digits;
  for (char c : mant)
    if (c != '.') digits += c;
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  int nd = static_cast<int>(digits.size());
  std::string out = neg ? "-" : "";
  constexpr int eprec = 6;
  if (exp < -4 || exp >= eprec) {
    out += digits[0];
    if (nd > 1) out += "." + digits.substr(1);
    out += 'e';
    out += exp < 0 ? '-' : '+';
    int ae = exp < 0 ? -exp : exp;
    if (ae < 10) out += '0';
    out += std::to_string(ae);
    return out;
  }
  int dp = exp + 1;  // digits before the decimal point
  if (dp <= 0) {
    out += "0." + std::string(static_cast<std::size_t>(-dp), '0') + digits;
  } else if (dp >= nd) {
    out += digits + std::string(static_cast<std::size_t>(dp - nd), '0');
  } else {
    out += digits.substr(0, static_cast<std::size_t>(dp)) + "." +
           digits.substr(static_cast<std::size_t>(dp));
  }
  return out;
}

std::string format_value(const Value& v) {
  switch (v.type()) {
    case Type::kNil:
      return "<nil>";
    case Type::kBool:
      return v.as_bool() ? "true" : "false";
    case Type::kInt:
      return std::to_string(v.as_int());
    case Type::kFloat:
      return format_float(v.as_float());
    case Type::kString:
      return std::string(v.as_string());
    case Type::kArray: {
      std::string out = "[";
      for (std::size_t i = 0; i < v.size(); ++i) {
        if (i) out += ' ';
        out += format_value(v.at(i));
      }
      return out + "]";
    }
    case Type::kMap: {
      std::string out = "map[";
      bool first = true;
      v.for_each_entry([&](std::string_view k, const Value& e) {
        if (!first) out += ' ';
        first = false;
        out += std::string(k) + ":" + format_value(e);
      });
      return out + "]";
    }
  }
  return "";
}

}  // namespace mm::expr
