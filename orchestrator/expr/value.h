// Dynamic values of the expression language: nil, bool, int, float, string, array, map.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

namespace mm::expr {

enum class Type { kNil, kBool, kInt, kFloat, kString, kArray, kMap };

// expr-lang's type() names: "nil", "bool", "int", "float", "string", "array", "map".
std::string_view type_name(Type t);

class Value;
using Array = std::vector<Value>;
// Ordered so that keys(), values() and toJSON() are deterministic (Go's map order is random).
using Map = std::map<std::string, Value, std::less<>>;

// A value either owns its data or borrows strings, arrays and objects from the JSON environment,
// so that reading `location` from 10,000 records copies nothing. Borrowed values must not outlive
// the environment; Program::run() returns owned values only.
class Value {
 public:
  Value() = default;  // nil

  static Value boolean(bool v) { return Value(Storage(v)); }
  static Value integer(std::int64_t v) { return Value(Storage(v)); }
  static Value number(double v) { return Value(Storage(v)); }
  static Value string(std::string v) { return Value(Storage(std::move(v))); }
  static Value array(Array v) {
    return Value(Storage(std::make_shared<const Array>(std::move(v))));
  }
  static Value map(Map v) { return Value(Storage(std::make_shared<const Map>(std::move(v)))); }
  // Borrows strings, arrays and objects of `j`, which must outlive the value.
  static Value from_json(const nlohmann::json& j);

  Type type() const;
  bool is_nil() const { return type() == Type::kNil; }
  bool is_number() const { return type() == Type::kInt || type() == Type::kFloat; }

  bool as_bool() const { return std::get<bool>(v_); }
  std::int64_t as_int() const { return std::get<std::int64_t>(v_); }
  double as_float() const { return std::get<double>(v_); }
  // Int or float widened to double.
  double to_double() const;
  std::string_view as_string() const;

  // Arrays: element count and elements; maps: entry count.
  std::size_t size() const;
  Value at(std::size_t i) const;
  // Maps: looks `key` up; false when absent.
  bool get(std::string_view key, Value* out) const;
  // Maps: calls f(key, value) in key order.
  template <class F>
  void for_each_entry(F&& f) const;

  // A deep copy that borrows nothing.
  Value owned() const;
  nlohmann::json to_json() const;

 private:
  // Borrowed JSON nodes are arrays or objects only; borrowed strings are string_views.
  using Storage =
      std::variant<std::monostate, bool, std::int64_t, double, std::string, std::string_view,
                   std::shared_ptr<const Array>, std::shared_ptr<const Map>, const nlohmann::json*>;
  explicit Value(Storage s) : v_(std::move(s)) {}
  Storage v_;
};

template <class F>
void Value::for_each_entry(F&& f) const {
  if (const auto* m = std::get_if<std::shared_ptr<const Map>>(&v_)) {
    for (const auto& [k, v] : **m) f(std::string_view(k), v);
  } else if (const auto* j = std::get_if<const nlohmann::json*>(&v_)) {
    for (auto it = (*j)->begin(); it != (*j)->end(); ++it)
      f(std::string_view(it.key()), Value::from_json(it.value()));
  }
}

// expr-lang equality: ints and floats compare by value, containers element by element, values of
// different types are unequal (never an error).
bool equal(const Value& a, const Value& b);

// Go's fmt "%v" rendering, used by string() and join-like conversions.
std::string format_value(const Value& v);
// Go's strconv.FormatFloat(f, 'g', -1, 64), which is what "%v" prints for a float64.
std::string format_float(double f);

}  // namespace mm::expr
