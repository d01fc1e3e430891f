#pragma once
// VMware's libvixDiskLib.so, loaded at run time from the directory the vddk:// URI names (no
// build-time dependency): dlopen, dlsym of every function the source calls, VixDiskLib_InitEx once
// per process and VixDiskLib_Exit when the last user lets go. It also collects what the library
// logs as warnings, because VixDiskLib_GetErrorText gives only a generic text per code.
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>

#include "transfer/vddk_api.h"

namespace mm::transfer {

struct VddkLoadError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct VddkFunctions {
  // Required (VDDK 6.x and later).
  VixDiskLib_InitEx_fn* InitEx = nullptr;
  VixDiskLib_Exit_fn* Exit = nullptr;
  VixDiskLib_ConnectEx_fn* ConnectEx = nullptr;
  VixDiskLib_Disconnect_fn* Disconnect = nullptr;
  VixDiskLib_Open_fn* Open = nullptr;
  VixDiskLib_Close_fn* Close = nullptr;
  VixDiskLib_GetInfo_fn* GetInfo = nullptr;
  VixDiskLib_FreeInfo_fn* FreeInfo = nullptr;
  VixDiskLib_Read_fn* Read = nullptr;
  VixDiskLib_GetErrorText_fn* GetErrorText = nullptr;
  VixDiskLib_FreeErrorText_fn* FreeErrorText = nullptr;
  // Optional: null where the library predates them.
  VixDiskLib_ReadAsync_fn* ReadAsync = nullptr;                          // 6.0
  VixDiskLib_Wait_fn* Wait = nullptr;                                    // 6.5
  VixDiskLib_QueryAllocatedBlocks_fn* QueryAllocatedBlocks = nullptr;    // 6.7
  VixDiskLib_FreeBlockList_fn* FreeBlockList = nullptr;                  // 6.7
  VixDiskLib_AllocateConnectParams_fn* AllocateConnectParams = nullptr;  // 7.0
  VixDiskLib_FreeConnectParams_fn* FreeConnectParams = nullptr;
  VixDiskLib_PrepareForAccess_fn* PrepareForAccess = nullptr;
  VixDiskLib_EndAccess_fn* EndAccess = nullptr;
  VixDiskLib_GetTransportMode_fn* GetTransportMode = nullptr;
};

class VddkLibrary {
 public:
  // The library in `libdir` (libvixDiskLib.so.N, the highest N, or the same in libdir/lib64),
  // loaded and initialised; shared by every reader of the process. Throws VddkLoadError naming
  // the directory and what was missing.
  static std::shared_ptr<VddkLibrary> load(const std::string& libdir);
  // The directory load() takes the library from (libdir or libdir/lib64), or empty when none.
  static std::string library_dir(const std::string& libdir);
  ~VddkLibrary();
  VddkLibrary(const VddkLibrary&) = delete;
  VddkLibrary& operator=(const VddkLibrary&) = delete;

  const VddkFunctions& fn() const { return fn_; }
  const std::string& path() const { return path_; }

  // "<the library's text> (VIX error N)", with the last warning it logged since `since`.
  std::string error_text(VixError err, uint64_t since) const;
  // A mark for error_text: warnings logged after it belong to the call that follows.
  static uint64_t warning_mark();

 private:
  VddkLibrary() = default;
  void* dl_ = nullptr;
  std::string path_;
  VddkFunctions fn_;
};

}  // namespace mm::transfer
