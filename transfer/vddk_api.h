#pragma once
// The part of VMware's VixDiskLib C API (the Virtual Disk Development Kit, VDDK) that the vddk://
// source calls, declared here so that nothing is built against VMware's headers: the library is
// loaded with dlopen from the directory the user names (transfer/vddk_library.h).
//
// Names, types and layouts follow the "Virtual Disk Development Kit Programming Guide" (VDDK 6.7
// to 8.0) and its vixDiskLib.h: VixDiskLib_InitEx, VixDiskLib_ConnectEx, VixDiskLib_Open,
// VixDiskLib_GetInfo / VixDiskLib_FreeInfo, VixDiskLib_Read, VixDiskLib_ReadAsync +
// VixDiskLib_Wait (6.5+), VixDiskLib_QueryAllocatedBlocks + VixDiskLib_FreeBlockList (6.7+),
// VixDiskLib_Close, VixDiskLib_Disconnect, VixDiskLib_Exit, VixDiskLib_GetErrorText /
// VixDiskLib_FreeErrorText, VixDiskLib_AllocateConnectParams / VixDiskLib_FreeConnectParams (7.0+),
// VixDiskLib_PrepareForAccess / VixDiskLib_EndAccess, VixDiskLib_GetTransportMode. The test
// stand-in (tests/vddk_standin/) implements the same declarations.
#include <cstdarg>
#include <cstdint>

extern "C" {

// A 64-bit error; its low 16 bits are one of the VIX_E_* codes.
typedef uint64_t VixError;
inline constexpr VixError VIX_OK = 0;
inline constexpr uint16_t vix_error_code(VixError e) {
  return static_cast<uint16_t>(e & 0xFFFF);
}

// The VIX_E_* codes the source tells apart (vix.h).
enum : uint16_t {
  VIX_E_FAIL = 1,
  VIX_E_INVALID_ARG = 3,
  VIX_E_FILE_NOT_FOUND = 4,
  VIX_E_NOT_SUPPORTED = 6,
  VIX_E_FILE_ERROR = 7,
  VIX_E_OBJECT_NOT_FOUND = 25,
  VIX_E_HOST_NOT_CONNECTED = 26,
  VIX_E_AUTHENTICATION_FAIL = 35,
  VIX_E_HOST_CONNECTION_LOST = 36,
  VIX_E_HOST_USER_PERMISSIONS = 3014,
  VIX_E_INVALID_AUTHENTICATION_SESSION = 3047,
  VIX_E_VM_NOT_FOUND = 4000,
  VIX_E_SNAPSHOT_NOTFOUND = 13003,
  VIX_E_HOST_SERVER_NOT_FOUND = 14008,
  VIX_E_HOST_NETWORK_CONN_REFUSED = 14009,
  VIX_E_HOST_TCP_SOCKET_ERROR = 14010,
  VIX_E_HOST_TCP_CONN_LOST = 14011,
  VIX_E_DISK_NOIO = 16002,
  VIX_E_DISK_OUTOFRANGE = 16007,
  VIX_E_DISK_NOTSUPPORTED = 16013,
  VIX_E_CANNOT_CONNECT_TO_HOST = 18000,
  VIX_ASYNC = 25000,  // ReadAsync: the read was queued; the callback reports its result
};

typedef uint64_t VixDiskLibSectorType;
inline constexpr uint64_t VIXDISKLIB_SECTOR_SIZE = 512;
inline constexpr uint32_t VIXDISKLIB_FLAG_OPEN_READ_ONLY = 4;
// QueryAllocatedBlocks: chunks of at least 128 sectors, at most 512 Ki chunks per call.
inline constexpr uint64_t VIXDISKLIB_MIN_CHUNK_SIZE = 128;
inline constexpr uint64_t VIXDISKLIB_MAX_CHUNK_NUMBER = 512 * 1024;

typedef void* VixDiskLibConnection;
typedef void* VixDiskLibHandle;

typedef void VixDiskLibGenericLogFunc(const char* fmt, va_list args);
typedef void (*VixDiskLibCompletionCB)(void* cbData, VixError result);

enum VixDiskLibCredType {
  VIXDISKLIB_CRED_UID = 1,
  VIXDISKLIB_CRED_SESSIONID = 2,
  VIXDISKLIB_CRED_TICKETID = 3,
  VIXDISKLIB_CRED_SSPI = 4,
  VIXDISKLIB_CRED_UNKNOWN = 256
};

enum VixDiskLibSpecType {
  VIXDISKLIB_SPEC_VMX = 0,
  VIXDISKLIB_SPEC_VSTORAGE_OBJECT = 1,
  VIXDISKLIB_SPEC_UNKNOWN = 2
};

struct VixDiskLibVStorageObjectSpec {
  char* id;
  char* datastoreMoRef;
  char* ssId;
};

// VixDiskLibConnectParams as of VDDK 7.0. Newer libraries may append members: allocate it with
// VixDiskLib_AllocateConnectParams where the library has it.
struct VixDiskLibConnectParams {
  char* vmxSpec;  // "moref=vm-123" (a VM by managed object reference)
  char* serverName;
  char* thumbPrint;  // SHA-1 of the server certificate, "AA:BB:..."
  long privateUse;
  VixDiskLibCredType credType;
  union {
    struct {
      char* userName;
      char* password;
    } uid;
    struct {
      char* cookie;
      char* userName;
      char* key;
    } sessionId;
    void* ticketId;
  } creds;
  uint32_t port;
  uint32_t nfcHostPort;
  char* vimApiVer;
  char reserved[8];
  void* reserved2;
  union {
    VixDiskLibVStorageObjectSpec vStorageObjSpec;
  } spec;
  VixDiskLibSpecType specType;
};

struct VixDiskLibGeometry {
  uint32_t cylinders;
  uint32_t heads;
  uint32_t sectors;
};

enum VixDiskLibAdapterType {
  VIXDISKLIB_ADAPTER_IDE = 1,
  VIXDISKLIB_ADAPTER_SCSI_BUSLOGIC = 2,
  VIXDISKLIB_ADAPTER_SCSI_LSILOGIC = 3,
  VIXDISKLIB_ADAPTER_UNKNOWN = 256
};

struct VixDiskLibInfo {
  VixDiskLibGeometry biosGeo;
  VixDiskLibGeometry physGeo;
  VixDiskLibSectorType capacity;  // in 512-byte sectors
  VixDiskLibAdapterType adapterType;
  int numLinks;
  char* parentFileNameHint;
  char* uuid;
  uint32_t logicalSectorSize;   // VDDK 7.0+
  uint32_t physicalSectorSize;  // VDDK 7.0+
};

// Offsets and lengths in sectors.
struct VixDiskLibBlock {
  VixDiskLibSectorType offset;
  VixDiskLibSectorType length;
};

struct VixDiskLibBlockList {
  uint32_t numBlocks;
  VixDiskLibBlock blocks[1];  // numBlocks of them
};

// The functions, as pointer types for dlsym.
using VixDiskLib_InitEx_fn = VixError(uint32_t majorVersion, uint32_t minorVersion,
                                      VixDiskLibGenericLogFunc* log, VixDiskLibGenericLogFunc* warn,
                                      VixDiskLibGenericLogFunc* panic, const char* libDir,
                                      const char* configFile);
using VixDiskLib_Exit_fn = void();
using VixDiskLib_AllocateConnectParams_fn = VixDiskLibConnectParams*();
using VixDiskLib_FreeConnectParams_fn = void(VixDiskLibConnectParams* params);
using VixDiskLib_PrepareForAccess_fn = VixError(const VixDiskLibConnectParams* params,
                                                const char* identity);
using VixDiskLib_EndAccess_fn = VixError(const VixDiskLibConnectParams* params,
                                         const char* identity);
using VixDiskLib_ConnectEx_fn = VixError(const VixDiskLibConnectParams* params, char readOnly,
                                         const char* snapshotRef, const char* transportModes,
                                         VixDiskLibConnection* connection);
using VixDiskLib_Disconnect_fn = VixError(VixDiskLibConnection connection);
using VixDiskLib_Open_fn = VixError(const VixDiskLibConnection connection, const char* path,
                                    uint32_t flags, VixDiskLibHandle* handle);
using VixDiskLib_Close_fn = VixError(VixDiskLibHandle handle);
using VixDiskLib_GetTransportMode_fn = const char*(VixDiskLibHandle handle);
using VixDiskLib_GetInfo_fn = VixError(VixDiskLibHandle handle, VixDiskLibInfo** info);
using VixDiskLib_FreeInfo_fn = void(VixDiskLibInfo* info);
using VixDiskLib_Read_fn = VixError(VixDiskLibHandle handle, VixDiskLibSectorType startSector,
                                    VixDiskLibSectorType numSectors, uint8_t* readBuffer);
using VixDiskLib_ReadAsync_fn = VixError(VixDiskLibHandle handle, VixDiskLibSectorType startSector,
                                         VixDiskLibSectorType numSectors, uint8_t* readBuffer,
                                         VixDiskLibCompletionCB callback, void* cbData);
using VixDiskLib_Wait_fn = VixError(VixDiskLibHandle handle);
using VixDiskLib_QueryAllocatedBlocks_fn = VixError(VixDiskLibHandle handle,
                                                    VixDiskLibSectorType startSector,
                                                    VixDiskLibSectorType numSectors,
                                                    VixDiskLibSectorType chunkSize,
                                                    VixDiskLibBlockList** blockList);
using VixDiskLib_FreeBlockList_fn = VixError(VixDiskLibBlockList* blockList);
using VixDiskLib_GetErrorText_fn = char*(VixError err, const char* locale);
using VixDiskLib_FreeErrorText_fn = void(char* text);

}  // extern "C"
