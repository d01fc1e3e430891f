// artifact upload | list | show | remove, as the reference CLI has them (cmds/artifacts.go):
//   artifact upload sdk vmware /path/to/VMware-vix-disklib.tar.gz
//   artifact upload driver windows /path/to/virtio-win.iso x86_64
//   artifact upload os-image fortigate FILE x86_64 7.2,7.4
// and the short forms `artifact upload sdk FILE`, `artifact upload driver FILE` (Windows, x86_64).
// The metadata is POSTed first; the file's bytes then go to the Location it answers with, streamed
// from disk. An upload the daemon refuses leaves no artifact behind.
#include <filesystem>
#include <memory>
#include <sstream>

#include "cli/commands.h"
#include "common/percent_encoding.h"

namespace mm::cli {
namespace {

struct Upload {
  std::vector<std::string> args;  // TYPE [OS|SOURCE-TYPE] FILE [ARCHITECTURES [VERSIONS]]
  std::string description, os, architectures, versions, source_type;
};

std::vector<std::string> split_commas(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  for (std::string part; std::getline(in, part, ',');) {
    if (!part.empty()) out.push_back(part);
  }
  return out;
}

void artifact_upload(Context& ctx, const Upload& u) {
  const std::string& type = u.args.at(0);
  std::string file, os_or_source, archs = u.architectures, versions = u.versions;
  if (u.args.size() == 2) {
    file = u.args[1];
  } else if (u.args.size() >= 3) {
    os_or_source = u.args[1];
    file = u.args[2];
    if (u.args.size() >= 4) archs = u.args[3];
    if (u.args.size() >= 5) versions = u.args[4];
  } else {
    throw UsageError("Missing the file to upload");
  }
  if (u.args.size() > 5 || (type == "sdk" && u.args.size() > 3)) {
    throw UsageError("Too many arguments for an artifact of type \"" + type + "\"");
  }
  Json props = Json::object();
  if (!u.description.empty()) props["description"] = u.description;
  if (type == "sdk") {
    props["source_type"] = !u.source_type.empty()  ? u.source_type
                           : !os_or_source.empty() ? os_or_source
                                                   : "vmware";
  } else {
    std::string os = !u.os.empty() ? u.os : os_or_source;
    if (os.empty() && type == "driver") os = "windows";
    props["os"] = os;
    if (archs.empty() && type == "driver") archs = "x86_64";
    props["architectures"] = split_commas(archs);
    if (!versions.empty()) props["versions"] = split_commas(versions);
  }
  if (!std::filesystem::is_regular_file(file)) {
    throw PlainError("Error: Failed to open \"" + file + "\": not a readable file");
  }
  Json body = {{"type", type}, {"properties", props}};
  const Json created = ctx.client().call("POST", "/artifacts", &body);
  const std::string uuid = text_of(created, "uuid");
  if (uuid.empty()) throw std::runtime_error("Failed to retrieve response location");
  Json stored;
  try {
    stored = ctx.client().upload("/artifacts/" + mm::percent_encode(uuid) + "/files", file);
  } catch (...) {
    // A refused file (not an SDK tarball, not an ISO) must not leave an empty artifact behind.
    try {
      ctx.client().call("DELETE", "/artifacts/" + mm::percent_encode(uuid));
    } catch (const std::exception&) {
    }
    throw;
  }
  std::string sha;
  if (stored.contains("file_details") && !stored["file_details"].empty()) {
    sha = text_of(stored["file_details"][0], "sha256");
  }
  ctx.out << "Successfully uploaded artifact " << go_quote(uuid) << " (SHA-256 " << sha << ").\n";
}

void artifact_list(Context& ctx, const std::string& format) {
  const Json arts = list_of(ctx.client().call("GET", "/artifacts"));
  std::vector<Row> rows;
  for (const auto& a : arts) {
    const size_t n = a.contains("files") && a["files"].is_array() ? a["files"].size() : 0;
    rows.push_back({text_of(a, "uuid"), text_of(a, "type"), std::to_string(n)});
  }
  sort_rows(rows);
  ctx.out << render_list(format, {"UUID", "Type", "Files"}, rows, arts);
}

}  // namespace

void add_artifact_commands(CLI::App& app, Context& ctx) {
  CLI::App* grp = app.add_subcommand("artifact", "Manage artifacts");
  grp->require_subcommand(1);

  auto up = std::make_shared<Upload>();
  CLI::App* c = grp->add_subcommand(
      "upload", "Upload an artifact file: TYPE [OS|SOURCE-TYPE] FILE [ARCHITECTURES [VERSIONS]]");
  c->add_option("args", up->args,
                "sdk|driver|os-image, then the OS (driver, os-image) or source type (sdk), the "
                "file, and comma-separated architectures and versions")
      ->required()
      ->expected(2, 5);
  c->add_option("--description", up->description, "Description of the artifact");
  c->add_option("--os", up->os, "OS the artifact is for (driver: windows)");
  c->add_option("--architectures", up->architectures, "Comma-separated architectures (x86_64)");
  c->add_option("--versions", up->versions, "Comma-separated OS versions (os-image)");
  c->add_option("--source-type", up->source_type, "Source type the SDK is for (vmware)");
  c->callback([&ctx, up] { artifact_upload(ctx, *up); });

  auto format = std::make_shared<std::string>("table");
  c = grp->add_subcommand("list", "List artifacts");
  c->alias("ls");
  add_format_option(c, *format);
  c->callback([&ctx, format] { artifact_list(ctx, *format); });

  auto uuid = std::make_shared<std::string>();
  c = grp->add_subcommand("show", "Show an artifact by its UUID");
  c->add_option("uuid", *uuid, "Artifact UUID")->required();
  c->callback([&ctx, uuid] {
    ctx.out << to_yaml(ctx.client().call("GET", "/artifacts/" + mm::percent_encode(*uuid))) << "\n";
  });

  auto rm = std::make_shared<std::vector<std::string>>();
  c = grp->add_subcommand("remove", "Remove an artifact, or one of its files: UUID [FILE]");
  c->add_option("uuid", *rm, "Artifact UUID, then optionally the file name")
      ->required()
      ->expected(1, 2);
  c->callback([&ctx, rm] {
    const std::string path = "/artifacts/" + mm::percent_encode(rm->at(0));
    if (rm->size() == 2) {
      ctx.client().call("DELETE", path + "/files/" + mm::percent_encode(rm->at(1)));
      ctx.out << "Successfully removed file " << go_quote(rm->at(1)) << " from artifact "
              << go_quote(rm->at(0)) << ".\n";
    } else {
      ctx.client().call("DELETE", path);
      ctx.out << "Successfully removed artifact " << go_quote(rm->at(0)) << ".\n";
    }
  });
}

}  // namespace mm::cli
