#pragma once
// The extents file: a JSON array [{"offset":N,"length":N},...] of byte ranges, the form in which
// the orchestrator hands VMware CBT change sets to mm-transfer. Elements may come in any order and
// may overlap (the result is their union); anything else malformed is an error naming the element.
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>

#include "cbt/extent_set.h"

namespace mm::cbt {

class ExtentsFileError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Parses the JSON text. Each element must be an object with exactly the keys "offset" and
// "length", each a non-negative JSON integer (no fraction, no exponent) with offset + length at
// most 2^63-1; a zero length is allowed and adds nothing. Throws ExtentsFileError naming the
// element index and the problem, or the byte position of a JSON syntax error.
ExtentSet parse_extents_json(std::string_view json);

// Reads and parses a file; errors name the path.
ExtentSet read_extents_file(const std::filesystem::path& path);

// The canonical text of `set`: sorted, coalesced, one line, newline-terminated.
std::string format_extents_json(const ExtentSet& set);

// Writes format_extents_json(set) to `path` through a temporary file renamed into place, so that
// a reader never sees half a file. Throws ExtentsFileError.
void write_extents_file(const std::filesystem::path& path, const ExtentSet& set);

}  // namespace mm::cbt
