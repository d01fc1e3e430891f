// Starlark values: a small tagged handle (Value) plus heap objects owned by an arena (Heap).
// Objects never outlive their Heap; a Heap is freed at once, which also frees reference cycles
// (a list that contains itself) that reference counting would leak.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "orchestrator/starlark/error.h"

namespace mm::starlark {

enum class Kind : uint8_t {
  Unbound,  // internal: a variable not yet assigned
  None,
  Bool,
  Int,
  Float,
  String,
  List,
  Tuple,
  Dict,
  Range,
  Function,
  Builtin,
  Struct,
  Json,
  StrIter,  // the iterables of string.elems() and friends
  Cell,     // internal: a captured local variable
};

struct Object {
  virtual ~Object() = default;
};

class Value {
 public:
  Value() : kind_(Kind::None), i_(0) {}
  static Value unbound() {
    Value v;
    v.kind_ = Kind::Unbound;
    return v;
  }
  static Value boolean(bool b) {
    Value v;
    v.kind_ = Kind::Bool;
    v.i_ = b ? 1 : 0;
    return v;
  }
  static Value integer(int64_t i) {
    Value v;
    v.kind_ = Kind::Int;
    v.i_ = i;
    return v;
  }
  static Value floating(double f) {
    Value v;
    v.kind_ = Kind::Float;
    v.f_ = f;
    return v;
  }
  static Value object(Kind k, Object* o) {
    Value v;
    v.kind_ = k;
    v.o_ = o;
    return v;
  }

  Kind kind() const { return kind_; }
  bool is(Kind k) const { return kind_ == k; }
  bool is_none() const { return kind_ == Kind::None; }
  bool as_bool() const { return i_ != 0; }
  int64_t as_int() const { return i_; }
  double as_float() const { return f_; }
  Object* obj() const { return o_; }
  template <class T>
  T* as() const {
    return static_cast<T*>(o_);
  }

 private:
  Kind kind_;
  union {
    int64_t i_;
    double f_;
    Object* o_;
  };
};

struct StrObj : Object {
  explicit StrObj(std::string s) : s(std::move(s)) {}
  std::string s;
};

// Lists and dicts: frozen after module load; "iterating" forbids mutation during a loop.
struct Mutable : Object {
  bool frozen = false;
  int iterating = 0;
  // phrase: "append to", "clear", ...; noun: "list" or "hash table" (the Go wording).
  void check_mutable(const char* phrase) const;
  virtual const char* noun() const = 0;
};

struct ListObj : Mutable {
  const char* noun() const override { return "list"; }
  std::vector<Value> items;
};

struct TupleObj : Object {
  std::vector<Value> items;
};

struct DictObj : Mutable {
  const char* noun() const override { return "hash table"; }
  std::vector<std::pair<Value, Value>> entries;  // insertion order
  std::unordered_multimap<uint64_t, uint32_t> index;  // hash -> position in entries

  // Returns the entry position or -1. Throws for unhashable keys.
  long find(Value key) const;
  // Inserts or replaces. Caller checks mutability.
  void set(Value key, Value value);
  bool erase(Value key, Value* old);
  void clear();
  void rebuild_index();
};

struct RangeObj : Object {
  int64_t start = 0, stop = 0, step = 1;
  int64_t len() const;
  int64_t at(int64_t i) const { return start + i * step; }
};

// "abc".elems(), .elem_ords(), .codepoints(), .codepoint_ords(): lazy iterables, as in the
// reference, so that type() and str() of them agree with it.
struct StrIterObj : Object {
  enum Mode : uint8_t { Elems, ElemOrds, Codepoints, CodepointOrds };
  Value str;
  Mode mode = Elems;
  const char* method() const {
    static const char* const names[] = {"elems", "elem_ords", "codepoints", "codepoint_ords"};
    return names[mode];
  }
};

struct Cell : Object {
  Value v = Value::unbound();
};

struct Args;
struct Thread;
struct FuncDef;
struct Module;

struct FunctionObj : Object {
  const FuncDef* def = nullptr;
  Module* module = nullptr;
  std::vector<Value> defaults;  // one per parameter with a default, in order
  std::vector<Value> freevars;  // Cells captured from enclosing functions
};

using NativeFn = Value (*)(Thread&, Value recv, Args&);

// A builtin function, or a method bound to its receiver (recv).
struct BuiltinObj : Object {
  BuiltinObj(std::string name, NativeFn fn, Value recv = Value())
      : name(std::move(name)), fn(fn), recv(recv) {}
  std::string name;
  NativeFn fn;
  Value recv;
};

// Immutable record with named fields: used for modules (assert) and struct(...).
struct StructObj : Object {
  std::string type_name = "struct";
  std::vector<std::pair<std::string, Value>> fields;  // sorted by name
  const Value* get(std::string_view name) const;
};

// Read-only view of host-provided JSON (the placement `instance` and `batch`).
struct JsonObj : Object {
  JsonObj(const void* json, std::string type_name, bool self_alias)
      : json(json), type_name(std::move(type_name)), self_alias(self_alias) {}
  const void* json;  // const nlohmann::json*; kept opaque to keep this header light
  std::string type_name;
  bool self_alias;  // exposes itself as `.properties` (the reference's record layout)
};

// Arena of objects with a byte budget, so scripts cannot exhaust memory.
class Heap {
 public:
  explicit Heap(size_t limit = 256u << 20) : limit_(limit) {}
  Heap(const Heap&) = delete;
  Heap& operator=(const Heap&) = delete;

  template <class T, class... A>
  T* make(A&&... args) {
    charge(sizeof(T) + 16);
    objects_.push_back(std::make_unique<T>(std::forward<A>(args)...));
    return static_cast<T*>(objects_.back().get());
  }
  void charge(size_t bytes) {
    used_ += bytes;
    if (used_ > limit_) throw EvalError("memory limit exceeded (" + std::to_string(limit_) + " bytes)");
  }
  size_t used() const { return used_; }

 private:
  std::vector<std::unique_ptr<Object>> objects_;
  size_t used_ = 0;
  size_t limit_;
};

// Arguments of a call.
struct Args {
  std::vector<Value> pos;
  std::vector<std::pair<std::string_view, Value>> named;
};

// ---- operations on values (value.cpp) ----
const char* type_name(Value v);
bool truth(Value v);
bool equal(Value a, Value b, int depth = 0);
// Three-way ordering; throws for unordered types.
int compare(Value a, Value b, int depth = 0);
uint64_t hash_value(Value v);
void freeze(Value v, int depth = 0);
bool is_frozen(Value v);
std::string repr(Value v);
std::string str(Value v);
std::string format_float(double f);
const std::string& str_of(Value v);  // requires a String

// Iteration over lists, tuples, dicts (keys), ranges, strings are not iterable in Starlark.
// Calls f for each element; f returns false to stop.
bool is_iterable(Value v);
void iterate(Thread& th, Value v, const std::function<bool(Value)>& f);
int64_t length(Value v);  // -1 when the value has no length

}  // namespace mm::starlark
