#include "orchestrator/api/static_files.h"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <system_error>

#include "orchestrator/api/api_error.h"
#include "orchestrator/api/router.h"

namespace mm::api {
namespace {

namespace fs = std::filesystem;

// Far above a built bundle; a stray huge file in the directory is refused rather than read.
constexpr std::uintmax_t kMaxFileBytes = 32u << 20;

bool safe_segment(const std::string& s) {
  if (s.empty() || s[0] == '.') return false;  // ".", "..", and hidden files alike
  return s.find_first_of(std::string("/\\\0", 3)) == std::string::npos;
}

bool has_extension(const std::string& name) {
  return name.find('.') != std::string::npos;
}

// `path` resolved, and inside `root` (already resolved)? Symlinks pointing out are refused.
bool inside(const fs::path& root, const fs::path& path, fs::path& resolved) {
  std::error_code ec;
  resolved = fs::canonical(path, ec);
  if (ec) return false;
  const std::string r = root.string() + "/";
  return resolved.string().compare(0, r.size(), r) == 0;
}

Response file_response(const fs::path& file, bool immutable) {
  std::error_code ec;
  if (!fs::is_regular_file(file, ec) || fs::file_size(file, ec) > kMaxFileBytes || ec) {
    throw ApiError(404, "not found");
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) throw ApiError(404, "not found");
  Response r;
  r.body.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  r.headers.emplace_back("Content-Type", mime_type(file.filename().string()));
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  // Vite names its assets by content hash: they never change. index.html must always be re-read.
  r.headers.emplace_back("Cache-Control",
                         immutable ? "public, max-age=31536000, immutable" : "no-cache");
  return r;
}

}  // namespace

const char* mime_type(const std::string& file_name) {
  static const std::pair<const char*, const char*> kTypes[] = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".map", "application/json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".ico", "image/x-icon"},
      {".woff2", "font/woff2"},
      {".woff", "font/woff"},
      {".txt", "text/plain; charset=utf-8"},
  };
  for (const auto& [ext, type] : kTypes) {
    const std::string e(ext);
    if (file_name.size() > e.size() &&
        file_name.compare(file_name.size() - e.size(), e.size(), e) == 0) {
      return type;
    }
  }
  return "application/octet-stream";
}

Response handle_ui(const Request& req, const ParsedTarget& target, const std::string& ui_dir) {
  if (req.method != "GET") return method_not_allowed("GET");
  std::error_code ec;
  const fs::path root = ui_dir.empty() ? fs::path() : fs::canonical(ui_dir, ec);
  if (ui_dir.empty() || ec || !fs::is_regular_file(root / "index.html", ec)) {
    throw ApiError(404, "the web interface is not installed (migration-managerd --ui-dir)");
  }
  const auto& s = target.segments;  // s[0] == "ui"
  fs::path rel;
  for (size_t i = 1; i < s.size(); ++i) {
    if (!safe_segment(s[i])) throw ApiError(404, "not found");
    rel /= s[i];
  }
  fs::path resolved;
  if (!rel.empty() && inside(root, root / rel, resolved) && fs::is_regular_file(resolved, ec)) {
    return file_response(resolved, s.size() > 2 && s[1] == "assets");
  }
  // A missing asset is a 404 (not HTML a script tag would choke on); anything else is a route of
  // the single-page app, which index.html handles.
  if (!rel.empty() && has_extension(s.back())) throw ApiError(404, "not found");
  return file_response(root / "index.html", false);
}

}  // namespace mm::api
