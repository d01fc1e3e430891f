// Method tables of the built-in types (string, list, dict) and of JSON-backed values.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "orchestrator/starlark/value.h"

namespace mm::starlark {

NativeFn find_string_method(std::string_view name);
NativeFn find_list_method(std::string_view name);
NativeFn find_dict_method(std::string_view name);
std::vector<std::string> string_method_names();
std::vector<std::string> list_method_names();
std::vector<std::string> dict_method_names();

// Read-only JSON views (json_value.cpp).
bool json_get_attr(Thread& th, Value x, std::string_view name, Value* out);
std::vector<std::string> json_attr_names(Value x);
bool json_index(Thread& th, Value x, Value key, Value* out);
int64_t json_length(Value x);
bool json_contains(Value x, Value key);

// Argument unpacking for builtins: names ending in '?' are optional. Missing optional
// arguments are left untouched. Throws "fn: ..." errors like the Go implementation.
void unpack_args(const char* fn, Args& args, std::initializer_list<const char*> names,
                 std::initializer_list<Value*> out);
void no_named_args(const char* fn, const Args& args);

// "%" formatting and str.format (format.cpp).
Value percent_format(Thread& th, const std::string& fmt, Value args);
Value str_format(Thread& th, const std::string& fmt, Args& args);

}  // namespace mm::starlark
