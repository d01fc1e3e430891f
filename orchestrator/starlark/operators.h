// Operators on values: arithmetic, comparison, membership, indexing, slicing, attributes.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "orchestrator/starlark/ast.h"
#include "orchestrator/starlark/evaluator.h"

namespace mm::starlark {

Value binary_op(Thread& th, Op op, Value x, Value y);
Value unary_op(Thread& th, Op op, Value x);
Value index_value(Thread& th, Value x, Value i);
void set_index(Thread& th, Value x, Value i, Value v);
Value slice_value(Thread& th, Value x, Value lo, Value hi, Value step);

// Attribute access: struct fields, JSON fields, bound methods.
Value get_attr(Thread& th, Value x, std::string_view name);
bool has_attr(Thread& th, Value x, std::string_view name);
std::vector<std::string> attr_names(Value x);
// "<type> has no .<name> field or method", with a "did you mean" hint when one is close.
std::string no_attr_message(Value x, std::string_view name);

// Resolves index i (negative counts from the end) against length n; throws when out of range.
int64_t checked_index(Value i, int64_t n, const char* what);
int64_t to_int(Value v, const char* what);  // requires an int

// Integer arithmetic with overflow detection (outside the 64-bit subset -> unsupported error).
int64_t add_int(int64_t a, int64_t b);
int64_t mul_int(int64_t a, int64_t b);

}  // namespace mm::starlark
