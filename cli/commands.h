#pragma once
// The verb groups (one file each) and the helpers they share.
#include <CLI/CLI.hpp>
#include <chrono>
#include <string>

#include "cli/context.h"
#include "cli/format.h"

namespace mm::cli {

void add_artifact_commands(CLI::App& app, Context& ctx);
void add_batch_commands(CLI::App& app, Context& ctx);
void add_source_commands(CLI::App& app, Context& ctx);
void add_target_commands(CLI::App& app, Context& ctx);
void add_instance_commands(CLI::App& app, Context& ctx);
void add_network_commands(CLI::App& app, Context& ctx);
void add_warning_commands(CLI::App& app, Context& ctx);
void add_remote_commands(CLI::App& app, Context& ctx);
void add_queue_commands(CLI::App& app, Context& ctx);
void add_migrate_commands(CLI::App& app, Context& ctx);
void add_preflight_commands(CLI::App& app, Context& ctx);

// `queue list` cells: the age of an RFC 3339 time as Go prints it ("4s ago", "3m12s ago"; "No
// update" for ""), and a migration window {start, end, lockout} as "START - END" in Go's time
// format, with " (lockout T)" when set; "none" for null.
std::string queue_age(const std::string& rfc3339, std::chrono::system_clock::time_point now);
std::string queue_window_text(const Json& window);

// Go's %q for the plain strings names are: double quotes, with \" and \\ escaped.
std::string go_quote(const std::string& s);
// A member as text: strings as they are, numbers and booleans printed, anything else "".
std::string text_of(const Json& obj, const std::string& key);
// The list in a metadata answer (null and non-arrays are empty).
Json list_of(const Json& metadata);
// -f/--format, checked before anything is asked of the daemon.
CLI::Option* add_format_option(CLI::App* cmd, std::string& format);

// After a source or target is created or updated: the reference CLI's success line, or (as a
// PlainError) its "..., but received an untrusted TLS server certificate ..." line.
void report_connectivity(Context& ctx, const std::string& what, const std::string& noun,
                         const std::string& name, const Json& metadata);

}  // namespace mm::cli
