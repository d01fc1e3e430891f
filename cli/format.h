#pragma once
// Output formats of the list commands (-f table|compact|csv|json|yaml, with ",noheader" or
// ",header"), and the value formatting the reference CLI's tables use: IEC byte sizes ("4.00GiB")
// and Go's time.Time String() ("2025-11-18 23:47:23.992054737 +0000 UTC").
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/table.h"

namespace mm::cli {

using Json = nlohmann::ordered_json;

// Throws UsageError for an unknown format.
void validate_format(const std::string& format);
// `raw` is what json and yaml print (the API objects); table, compact and csv print the rows.
std::string render_list(const std::string& format, const Row& header, const std::vector<Row>& rows,
                        const Json& raw);

std::string iec_size(int64_t bytes);                     // 4294967296 -> "4.00GiB", 512 -> "512B"
std::string go_time_string(const std::string& rfc3339);  // unparseable input comes back unchanged
std::string csv_line(const Row& fields);

// YAML as Go's yaml.v3 writes it (4-space indent, quotes only where needed), from JSON.
std::string to_yaml(const Json& value);

}  // namespace mm::cli
