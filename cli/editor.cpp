#include "cli/editor.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

namespace mm::cli {
namespace {

bool on_path(const std::string& prog) {
  const char* path = std::getenv("PATH");
  std::stringstream ss(path ? path : "/usr/bin:/bin");
  std::string dir;
  while (std::getline(ss, dir, ':')) {
    if (!dir.empty() && ::access((dir + "/" + prog).c_str(), X_OK) == 0) return true;
  }
  return false;
}

// Removes the temporary file however the editing ends.
struct TempFile {
  std::string path;
  ~TempFile() {
    if (!path.empty()) ::unlink(path.c_str());
  }
};

}  // namespace

std::string strip_comment_lines(const std::string& text) {
  std::string out;
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    const size_t end = nl == std::string::npos ? text.size() : nl + 1;
    if (text[start] != '#') out.append(text, start, end - start);
    start = end;
  }
  return out;
}

std::string editor_command() {
  for (const char* var : {"VISUAL", "EDITOR"}) {
    const char* v = std::getenv(var);
    if (v && *v) return v;
  }
  for (const char* p : {"editor", "vi", "emacs", "nano"}) {
    if (on_path(p)) return p;
  }
  throw std::runtime_error("No text editor found, please set the EDITOR environment variable");
}

std::string run_editor(const std::string& content) {
  const std::string editor = editor_command();
  const char* tmpdir = std::getenv("TMPDIR");
  std::string tmpl =
      std::string(tmpdir && *tmpdir ? tmpdir : "/tmp") + "/migration_manager_editor_XXXXXX.yaml";
  const int fd = ::mkstemps(tmpl.data(), 5);
  if (fd < 0)
    throw std::runtime_error(std::string("Failed to create a temporary file: ") +
                             std::strerror(errno));
  TempFile tmp{tmpl};
  ::fchmod(fd, 0600);
  const ssize_t n = ::write(fd, content.data(), content.size());
  ::close(fd);
  if (n != static_cast<ssize_t>(content.size()))
    throw std::runtime_error("Failed to write " + tmpl);

  // Through the shell, so EDITOR may carry arguments ("code --wait").
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("Failed to start the editor");
  if (pid == 0) {
    const std::string script = editor + " \"$1\"";
    ::execl("/bin/sh", "sh", "-c", script.c_str(), "sh", tmpl.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    throw std::runtime_error("The editor \"" + editor + "\" failed");
  }
  std::ifstream in(tmpl, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void edit_yaml(Context& ctx, const std::string& header, const std::string& yaml,
               const std::function<void(const std::string&)>& apply) {
  if (!ctx.stdin_terminal) {
    const std::string text(std::istreambuf_iterator<char>(ctx.in), {});
    apply(strip_comment_lines(text));
    return;
  }
  std::string text = header + "\n\n" + yaml;
  for (;;) {
    text = run_editor(text);
    try {
      apply(strip_comment_lines(text));
      return;
    } catch (const EditError& e) {
      ctx.err << "Config parsing error: " << e.what() << "\n";
    } catch (const ServerError& e) {
      if (e.status != 400) throw;
      ctx.err << "Config parsing error: " << e.what() << "\n";
    }
    ctx.out << "Press enter to open the editor again or ctrl+c to abort change" << std::flush;
    std::string line;
    if (!std::getline(ctx.in, line)) throw std::runtime_error("Change aborted");
  }
}

}  // namespace mm::cli
