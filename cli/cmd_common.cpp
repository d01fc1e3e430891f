// Helpers shared by the verb groups.
#include <cstdio>

#include "cli/commands.h"

namespace mm::cli {

std::string go_quote(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

std::string text_of(const Json& obj, const std::string& key) {
  if (!obj.is_object()) return "";
  const auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return "";
  if (it->is_string()) return it->get<std::string>();
  if (it->is_boolean()) return it->get<bool>() ? "true" : "false";
  if (it->is_number()) return it->dump();
  return "";
}

Json list_of(const Json& metadata) {
  return metadata.is_array() ? metadata : Json::array();
}

CLI::Option* add_format_option(CLI::App* cmd, std::string& format) {
  return cmd
      ->add_option("-f,--format", format,
                   "Format (csv|json|table|yaml|compact), use suffix \",noheader\" to disable "
                   "headers and \",header\" to enable if demanded, e.g. csv,header")
      ->default_val("table")
      ->check([](const std::string& v) {
        try {
          validate_format(v);
        } catch (const std::exception& e) {
          return std::string(e.what());
        }
        return std::string();
      });
}

void report_connectivity(Context& ctx, const std::string& what, const std::string& noun,
                         const std::string& name, const Json& metadata) {
  // The reference daemon answers {"ConnectivityStatus": ..., "certFingerprint": ...}; a daemon
  // answering with the object itself carries the status in its properties.
  std::string status = text_of(metadata, "ConnectivityStatus");
  std::string fingerprint = text_of(metadata, "certFingerprint");
  if (status.empty() && metadata.is_object() && metadata.contains("properties")) {
    const Json& p = metadata["properties"];
    status = text_of(p, "connectivity_status");
    if (fingerprint.empty()) fingerprint = text_of(p, "certificate_fingerprint");
  }
  const std::string head = "Successfully " + what + " " + noun + " " + go_quote(name);
  if (status == "Confirm TLS fingerprint") {
    throw PlainError(head + ", but received an untrusted TLS server certificate with fingerprint " +
                     fingerprint + ". Please update the " + noun + " to correct the issue.");
  }
  if (!status.empty() && status != "OK") {
    throw PlainError(head + ", but connectivity check reported an issue: " + status +
                     ". Please update the " + noun + " to correct the issue.");
  }
  ctx.out << head << ".\n";
}

}  // namespace mm::cli
