#pragma once
// The web interface's built files (web/dist) under /ui/: served by the same router as the API, so
// they get the same transports and the same client-certificate trust.
#include <string>

#include "orchestrator/api/request.h"
#include "orchestrator/api/response.h"

namespace mm::api {

// Answers GET /ui/... from `ui_dir`. `segments` is the decoded path, starting with "ui". A path
// that names no file and has no extension is a client route: index.html. Segments that could
// leave the directory (".", "..", a decoded "/" or "\", NUL, hidden names) are 404, and so is
// any file whose real path (symlinks resolved) is outside `ui_dir`.
Response handle_ui(const Request& req, const ParsedTarget& target, const std::string& ui_dir);

// The Content-Type for a file name, by extension ("application/octet-stream" when unknown).
const char* mime_type(const std::string& file_name);

}  // namespace mm::api
