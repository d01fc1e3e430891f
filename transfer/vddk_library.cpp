#include "transfer/vddk_library.h"

#include <dirent.h>
#include <dlfcn.h>
#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <deque>
#include <mutex>
#include <utility>
#include <vector>

namespace mm::transfer {
namespace {

// What the library logs: kept for error messages (warnings) and, with MM_VDDK_DEBUG=1, shown.
std::mutex g_log_mu;
std::deque<std::pair<uint64_t, std::string>> g_warnings;  // the last few, with their sequence
uint64_t g_warning_seq = 0;

std::string format(const char* fmt, va_list args) {
  char buf[1024];
  vsnprintf(buf, sizeof buf, fmt, args);
  std::string s = buf;
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

bool debug_enabled() {
  static const bool on = [] {
    const char* v = std::getenv("MM_VDDK_DEBUG");
    return v != nullptr && *v != '\0' && std::string(v) != "0";
  }();
  return on;
}

void log_function(const char* fmt, va_list args) {
  if (!debug_enabled()) return;
  fprintf(stderr, "vddk: %s\n", format(fmt, args).c_str());
}

void warn_function(const char* fmt, va_list args) {
  std::string line = format(fmt, args);
  if (debug_enabled()) fprintf(stderr, "vddk warning: %s\n", line.c_str());
  std::lock_guard lock(g_log_mu);
  g_warnings.emplace_back(++g_warning_seq, std::move(line));
  if (g_warnings.size() > 16) g_warnings.pop_front();
}

// The library file in `dir`: libvixDiskLib.so.N with the highest N. Empty when there is none.
std::string find_in(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return {};
  std::string best;
  long best_major = -1;
  const std::string prefix = "libvixDiskLib.so.";
  while (dirent* ent = ::readdir(d)) {
    const std::string name = ent->d_name;
    if (!name.starts_with(prefix)) continue;
    char* end = nullptr;
    const long major = std::strtol(name.c_str() + prefix.size(), &end, 10);
    if (end == name.c_str() + prefix.size()) continue;
    // The plain soname (libvixDiskLib.so.8) wins over a longer version of the same major.
    const bool plain = *end == '\0';
    if (major > best_major || (major == best_major && plain)) {
      best_major = major;
      best = dir + "/" + name;
    }
  }
  ::closedir(d);
  return best;
}

std::mutex g_load_mu;
std::weak_ptr<VddkLibrary> g_loaded;

}  // namespace

std::string VddkLibrary::library_dir(const std::string& libdir) {
  if (!find_in(libdir).empty()) return libdir;
  if (!find_in(libdir + "/lib64").empty()) return libdir + "/lib64";
  return {};
}

uint64_t VddkLibrary::warning_mark() {
  std::lock_guard lock(g_log_mu);
  return g_warning_seq;
}

std::shared_ptr<VddkLibrary> VddkLibrary::load(const std::string& libdir) {
  std::string path = find_in(libdir);
  std::string init_dir = libdir;
  if (path.empty()) {
    // VMware's tarball: vmware-vix-disklib-distrib/lib64/libvixDiskLib.so.N.
    path = find_in(libdir + "/lib64");
  } else if (libdir.ends_with("/lib64")) {
    init_dir = libdir.substr(0, libdir.size() - 6);
  }
  if (path.empty()) {
    struct stat st {};
    const bool exists = ::stat(libdir.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
    throw VddkLoadError(
        "the VDDK library was not found: " +
        (exists ? "no libvixDiskLib.so.* in " + libdir + " (nor in " + libdir + "/lib64)"
                : "the directory " + libdir + " does not exist") +
        "; upload VMware's VDDK as the SDK artifact or fix libdir=");
  }

  std::lock_guard lock(g_load_mu);
  if (auto lib = g_loaded.lock()) {
    if (lib->path_ == path) return lib;
    throw VddkLoadError("the VDDK " + lib->path_ + " is already in use by this process; " + path +
                        " cannot be loaded beside it");
  }
  std::shared_ptr<VddkLibrary> lib(new VddkLibrary());
  lib->path_ = path;
  lib->dl_ = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (lib->dl_ == nullptr) {
    const char* why = ::dlerror();
    throw VddkLoadError("cannot load the VDDK library " + path + ": " +
                        (why ? why : "unknown error"));
  }
  std::vector<std::string> missing;
  auto sym = [&](auto*& slot, const char* name, bool required) {
    slot = reinterpret_cast<std::remove_reference_t<decltype(slot)>>(::dlsym(lib->dl_, name));
    if (slot == nullptr && required) missing.emplace_back(name);
  };
  VddkFunctions& f = lib->fn_;
  sym(f.InitEx, "VixDiskLib_InitEx", true);
  sym(f.Exit, "VixDiskLib_Exit", true);
  sym(f.ConnectEx, "VixDiskLib_ConnectEx", true);
  sym(f.Disconnect, "VixDiskLib_Disconnect", true);
  sym(f.Open, "VixDiskLib_Open", true);
  sym(f.Close, "VixDiskLib_Close", true);
  sym(f.GetInfo, "VixDiskLib_GetInfo", true);
  sym(f.FreeInfo, "VixDiskLib_FreeInfo", true);
  sym(f.Read, "VixDiskLib_Read", true);
  sym(f.GetErrorText, "VixDiskLib_GetErrorText", true);
  sym(f.FreeErrorText, "VixDiskLib_FreeErrorText", true);
  sym(f.ReadAsync, "VixDiskLib_ReadAsync", false);
  sym(f.Wait, "VixDiskLib_Wait", false);
  sym(f.QueryAllocatedBlocks, "VixDiskLib_QueryAllocatedBlocks", false);
  sym(f.FreeBlockList, "VixDiskLib_FreeBlockList", false);
  sym(f.AllocateConnectParams, "VixDiskLib_AllocateConnectParams", false);
  sym(f.FreeConnectParams, "VixDiskLib_FreeConnectParams", false);
  sym(f.PrepareForAccess, "VixDiskLib_PrepareForAccess", false);
  sym(f.EndAccess, "VixDiskLib_EndAccess", false);
  sym(f.GetTransportMode, "VixDiskLib_GetTransportMode", false);
  if (!missing.empty()) {
    std::string names;
    for (const auto& m : missing) names += (names.empty() ? "" : ", ") + m;
    ::dlclose(lib->dl_);
    lib->dl_ = nullptr;
    throw VddkLoadError(path + " is not a usable VDDK: it lacks " + names);
  }
  if (!f.QueryAllocatedBlocks || !f.FreeBlockList) {
    f.QueryAllocatedBlocks = nullptr;
    f.FreeBlockList = nullptr;
  }
  if (!f.AllocateConnectParams || !f.FreeConnectParams) {
    f.AllocateConnectParams = nullptr;
    f.FreeConnectParams = nullptr;
  }
  // 6.7 is the first VDDK with QueryAllocatedBlocks; the library accepts any version it supports.
  const uint64_t mark = warning_mark();
  const VixError err =
      f.InitEx(6, 7, &log_function, &warn_function, &warn_function, init_dir.c_str(), nullptr);
  if (err != VIX_OK) {
    const std::string why = lib->error_text(err, mark);
    ::dlclose(lib->dl_);
    lib->dl_ = nullptr;
    throw VddkLoadError("VixDiskLib_InitEx of " + path + " failed: " + why);
  }
  g_loaded = lib;
  return lib;
}

VddkLibrary::~VddkLibrary() {
  if (dl_ == nullptr) return;
  fn_.Exit();
  ::dlclose(dl_);
}

std::string VddkLibrary::error_text(VixError err, uint64_t since) const {
  std::string text;
  if (char* t = fn_.GetErrorText(err, nullptr)) {
    text = t;
    fn_.FreeErrorText(t);
  }
  if (text.empty()) text = "unknown error";
  text += " (VIX error " + std::to_string(vix_error_code(err)) + ")";
  std::lock_guard lock(g_log_mu);
  if (!g_warnings.empty() && g_warnings.back().first > since)
    text += ": " + g_warnings.back().second;
  return text;
}

}  // namespace mm::transfer
