// A stand-in for VMware's libvixDiskLib.so.8, built by the tests: the documented VixDiskLib C
// functions that the vddk:// source calls (transfer/vddk_api.h), implemented over local image
// files, so that the source's own code runs exactly as it does with the real library.
//
// Environment (docs/vddk-source.md, "The test stand-in"):
//   MM_VDDK_STANDIN_DATASTORES  "DS=/dir[,DS2=/dir2]": where "[DS] rel/x.vmdk" lives; a text
//                               descriptor is resolved to its flat extent ("x-flat.vmdk")
//   MM_VDDK_STANDIN_USER / _PASSWORD   checked by ConnectEx when set
//   MM_VDDK_STANDIN_THUMBPRINT  checked by ConnectEx when set (SHA-1, any case, ':' optional)
//   MM_VDDK_STANDIN_SERVER      when set, any other serverName is refused
//   MM_VDDK_STANDIN_TRANSPORTS  the modes this "host" offers (default nbdssl:nbd)
//   MM_VDDK_STANDIN_FAIL_READ_AT=OFFSET[:TIMES]  reads covering byte OFFSET fail (TIMES times)
//   MM_VDDK_STANDIN_READ_DELAY_US  each read sleeps this long (a remote disk)
//   MM_VDDK_STANDIN_NO_ASYNC=1  ReadAsync answers VIX_E_NOT_SUPPORTED
//   MM_VDDK_STANDIN_NO_QUERY=1  QueryAllocatedBlocks answers VIX_E_NOT_SUPPORTED
//   MM_VDDK_STANDIN_LOG=FILE    one line per ConnectEx, Open, Close (for the tests to check)
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <condition_variable>
#include <cstdarg>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "transfer/vddk_api.h"

#define EXPORT extern "C" __attribute__((visibility("default")))

namespace {

VixDiskLibGenericLogFunc* g_log = nullptr;
VixDiskLibGenericLogFunc* g_warn = nullptr;

void warn(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
void warn(const char* fmt, ...) {
  if (g_warn == nullptr) return;
  va_list ap;
  va_start(ap, fmt);
  g_warn(fmt, ap);
  va_end(ap);
}

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

void trace(const std::string& line) {
  static std::mutex mu;
  const std::string path = env("MM_VDDK_STANDIN_LOG");
  if (path.empty()) return;
  std::lock_guard lock(mu);
  std::ofstream(path, std::ios::app) << line << "\n";
}

std::string hex_only_upper(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c != ':') out.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  }
  return out;
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::stringstream in(s);
  for (std::string item; std::getline(in, item, sep);) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

struct Connection {
  std::string server, vmx, snapshot, transport;
};

struct Job {
  VixDiskLibSectorType start, count;
  uint8_t* buf;
  VixDiskLibCompletionCB cb;
  void* data;
};

struct Disk {
  int fd = -1;
  uint64_t offset = 0;   // of the disk's first byte in the file
  uint64_t sectors = 0;  // capacity
  std::string transport;
  std::atomic<uint64_t> reads{0}, async_reads{0};
  // ReadAsync: one thread per handle completes the queued reads in order.
  std::mutex mu;
  std::condition_variable cv;
  std::deque<Job> jobs;
  unsigned pending = 0;
  bool stop = false;
  std::thread worker;
};

std::atomic<long> g_failures_left{-2};  // -2: not read from the environment yet; -1: unlimited

VixError do_read(Disk& d, VixDiskLibSectorType start, VixDiskLibSectorType count, uint8_t* buf) {
  if (start > d.sectors || count > d.sectors - start) {
    warn("Read of sectors %llu+%llu is beyond the capacity %llu", (unsigned long long)start,
         (unsigned long long)count, (unsigned long long)d.sectors);
    return VIX_E_DISK_OUTOFRANGE;
  }
  ++d.reads;
  if (const std::string us = env("MM_VDDK_STANDIN_READ_DELAY_US"); !us.empty()) {
    ::usleep(static_cast<useconds_t>(std::stoul(us)));
  }
  if (const std::string at = env("MM_VDDK_STANDIN_FAIL_READ_AT"); !at.empty()) {
    const uint64_t off = std::stoull(at);
    if (off >= start * VIXDISKLIB_SECTOR_SIZE && off < (start + count) * VIXDISKLIB_SECTOR_SIZE) {
      long expected = g_failures_left.load();
      if (expected == -2) {
        const size_t colon = at.find(':');
        const long times = colon == std::string::npos ? -1 : std::stol(at.substr(colon + 1));
        g_failures_left.compare_exchange_strong(expected, times);
      }
      for (long left = g_failures_left.load(); left != 0;) {
        if (left < 0 || g_failures_left.compare_exchange_weak(left, left - 1)) {
          warn("NBD_ERR_INSUFFICIENT_RESOURCES: read of sector %llu failed (injected)",
               (unsigned long long)start);
          return VIX_E_DISK_NOIO;
        }
      }
    }
  }
  uint64_t done = 0;
  const uint64_t want = count * VIXDISKLIB_SECTOR_SIZE;
  while (done < want) {
    const ssize_t n = ::pread(d.fd, buf + done, want - done,
                              static_cast<off_t>(d.offset + start * VIXDISKLIB_SECTOR_SIZE + done));
    if (n < 0) {
      warn("pread: %s", std::strerror(errno));
      return VIX_E_FILE_ERROR;
    }
    if (n == 0) {  // a flat file shorter than the disk reads as zeroes past its end
      std::memset(buf + done, 0, want - done);
      break;
    }
    done += static_cast<uint64_t>(n);
  }
  return VIX_OK;
}

void async_worker(Disk* d) {
  std::unique_lock lock(d->mu);
  for (;;) {
    d->cv.wait(lock, [&] { return d->stop || !d->jobs.empty(); });
    if (d->jobs.empty()) return;
    Job job = d->jobs.front();
    d->jobs.pop_front();
    lock.unlock();
    const VixError err = do_read(*d, job.start, job.count, job.buf);
    job.cb(job.data, err);
    lock.lock();
    --d->pending;
    d->cv.notify_all();
  }
}

// "[DS] rel/path.vmdk" -> the local file, through MM_VDDK_STANDIN_DATASTORES.
std::string local_path(const std::string& path) {
  if (path.size() < 4 || path[0] != '[') return {};
  const size_t close = path.find("] ");
  if (close == std::string::npos) return {};
  const std::string ds = path.substr(1, close - 1), rel = path.substr(close + 2);
  for (const std::string& entry : split(env("MM_VDDK_STANDIN_DATASTORES"), ',')) {
    const size_t eq = entry.find('=');
    if (eq != std::string::npos && entry.substr(0, eq) == ds)
      return entry.substr(eq + 1) + "/" + rel;
  }
  return {};
}

// A text descriptor's one flat extent: RW SECTORS FLAT|VMFS "file" [OFFSET].
bool parse_descriptor(const std::string& text, std::string* file, uint64_t* sectors,
                      uint64_t* offset_sectors) {
  int extents = 0;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    std::istringstream words(line);
    std::string access, type, name;
    uint64_t count = 0;
    if (!(words >> access >> count >> type)) continue;
    if (access != "RW" && access != "RDONLY") continue;
    if (type != "FLAT" && type != "VMFS") return false;
    const size_t q1 = line.find('"'), q2 = line.rfind('"');
    if (q1 == std::string::npos || q2 <= q1) return false;
    *file = line.substr(q1 + 1, q2 - q1 - 1);
    *sectors = count;
    *offset_sectors = 0;
    std::istringstream(line.substr(q2 + 1)) >> *offset_sectors;
    ++extents;
  }
  return extents == 1;
}

}  // namespace

EXPORT VixError VixDiskLib_InitEx(uint32_t, uint32_t, VixDiskLibGenericLogFunc* log,
                                  VixDiskLibGenericLogFunc* warn_fn, VixDiskLibGenericLogFunc*,
                                  const char*, const char*) {
  g_log = log;
  g_warn = warn_fn;
  return VIX_OK;
}

EXPORT void VixDiskLib_Exit() {
  g_log = nullptr;
  g_warn = nullptr;
}

EXPORT VixDiskLibConnectParams* VixDiskLib_AllocateConnectParams() {
  return static_cast<VixDiskLibConnectParams*>(std::calloc(1, sizeof(VixDiskLibConnectParams)));
}

EXPORT void VixDiskLib_FreeConnectParams(VixDiskLibConnectParams* params) {
  std::free(params);
}

EXPORT VixError VixDiskLib_PrepareForAccess(const VixDiskLibConnectParams*, const char*) {
  return VIX_OK;
}

EXPORT VixError VixDiskLib_EndAccess(const VixDiskLibConnectParams*, const char*) {
  return VIX_OK;
}

EXPORT VixError VixDiskLib_ConnectEx(const VixDiskLibConnectParams* p, char readOnly,
                                     const char* snapshotRef, const char* transportModes,
                                     VixDiskLibConnection* connection) {
  if (p == nullptr || connection == nullptr || p->serverName == nullptr || p->vmxSpec == nullptr ||
      std::strncmp(p->vmxSpec, "moref=", 6) != 0 || p->credType != VIXDISKLIB_CRED_UID) {
    warn("ConnectEx: serverName, vmxSpec \"moref=...\" and user/password credentials are needed");
    return VIX_E_INVALID_ARG;
  }
  trace(std::string("ConnectEx server=") + p->serverName + " port=" + std::to_string(p->port) +
        " vmx=" + p->vmxSpec + " snapshot=" + (snapshotRef ? snapshotRef : "") +
        " transports=" + (transportModes ? transportModes : "") + " readonly=" +
        std::to_string(static_cast<int>(readOnly)) + " ld_library_path=" + env("LD_LIBRARY_PATH"));
  if (const std::string server = env("MM_VDDK_STANDIN_SERVER");
      !server.empty() && server != p->serverName) {
    warn("Failed to connect to %s:%u: Connection refused", p->serverName, p->port);
    return VIX_E_HOST_NETWORK_CONN_REFUSED;
  }
  if (const std::string want = env("MM_VDDK_STANDIN_THUMBPRINT"); !want.empty()) {
    if (p->thumbPrint == nullptr || hex_only_upper(p->thumbPrint) != hex_only_upper(want)) {
      warn("SSL Verification failed: the server's thumbprint is %s, the expected one %s",
           want.c_str(), p->thumbPrint ? p->thumbPrint : "(none)");
      return VIX_E_CANNOT_CONNECT_TO_HOST;
    }
  }
  const std::string user = env("MM_VDDK_STANDIN_USER"), password = env("MM_VDDK_STANDIN_PASSWORD");
  const char* given_user = p->creds.uid.userName ? p->creds.uid.userName : "";
  const char* given_password = p->creds.uid.password ? p->creds.uid.password : "";
  if ((!user.empty() && user != given_user) || (!password.empty() && password != given_password)) {
    warn("Cannot complete login due to an incorrect user name or password");
    return VIX_E_AUTHENTICATION_FAIL;
  }
  // The first mode asked for that this host offers.
  const std::vector<std::string> offered = split(
      env("MM_VDDK_STANDIN_TRANSPORTS").empty() ? "nbdssl:nbd" : env("MM_VDDK_STANDIN_TRANSPORTS"),
      ':');
  const std::vector<std::string> asked = split(transportModes ? transportModes : "nbdssl:nbd", ':');
  auto* c = new Connection{p->serverName, p->vmxSpec, snapshotRef ? snapshotRef : "", ""};
  for (const std::string& m : asked) {
    if (std::find(offered.begin(), offered.end(), m) != offered.end()) {
      c->transport = m;
      break;
    }
  }
  *connection = c;
  return VIX_OK;
}

EXPORT VixError VixDiskLib_Disconnect(VixDiskLibConnection connection) {
  delete static_cast<Connection*>(connection);
  return VIX_OK;
}

EXPORT VixError VixDiskLib_Open(const VixDiskLibConnection connection, const char* path,
                                uint32_t flags, VixDiskLibHandle* handle) {
  const auto* c = static_cast<const Connection*>(connection);
  if (c == nullptr || path == nullptr || handle == nullptr) return VIX_E_INVALID_ARG;
  trace(std::string("Open path=") + path + " flags=" + std::to_string(flags) +
        " transport=" + c->transport);
  if ((flags & VIXDISKLIB_FLAG_OPEN_READ_ONLY) == 0) {
    warn("the stand-in opens disks read-only");
    return VIX_E_NOT_SUPPORTED;
  }
  if (c->transport.empty()) {
    warn("Cannot use any of the requested transport modes on this host");
    return VIX_E_NOT_SUPPORTED;
  }
  std::string file = local_path(path);
  struct stat st {};
  if (file.empty() || ::stat(file.c_str(), &st) != 0) {
    warn("Cannot open the disk '%s' or one of the snapshot disks it depends on", path);
    return VIX_E_FILE_NOT_FOUND;
  }
  uint64_t sectors = static_cast<uint64_t>(st.st_size) / VIXDISKLIB_SECTOR_SIZE, offset = 0;
  if (st.st_size <= 65536) {
    std::ifstream in(file, std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (text.starts_with("# Disk DescriptorFile")) {
      std::string extent;
      if (!parse_descriptor(text, &extent, &sectors, &offset)) {
        warn("the stand-in reads descriptors with one FLAT or VMFS extent only");
        return VIX_E_DISK_NOTSUPPORTED;
      }
      file = file.substr(0, file.rfind('/') + 1) + extent;
    }
  }
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    warn("Cannot open the extent %s: %s", file.c_str(), std::strerror(errno));
    return VIX_E_FILE_NOT_FOUND;
  }
  auto* d = new Disk;
  d->fd = fd;
  d->sectors = sectors;
  d->offset = offset * VIXDISKLIB_SECTOR_SIZE;
  d->transport = c->transport;
  d->worker = std::thread(async_worker, d);
  *handle = d;
  return VIX_OK;
}

EXPORT const char* VixDiskLib_GetTransportMode(VixDiskLibHandle handle) {
  return static_cast<Disk*>(handle)->transport.c_str();
}

EXPORT VixError VixDiskLib_Wait(VixDiskLibHandle handle) {
  auto* d = static_cast<Disk*>(handle);
  std::unique_lock lock(d->mu);
  d->cv.wait(lock, [&] { return d->pending == 0; });
  return VIX_OK;
}

EXPORT VixError VixDiskLib_Close(VixDiskLibHandle handle) {
  auto* d = static_cast<Disk*>(handle);
  if (d == nullptr) return VIX_E_INVALID_ARG;
  VixDiskLib_Wait(handle);
  {
    std::lock_guard lock(d->mu);
    d->stop = true;
  }
  d->cv.notify_all();
  d->worker.join();
  trace("Close reads=" + std::to_string(d->reads.load()) +
        " async=" + std::to_string(d->async_reads.load()));
  ::close(d->fd);
  delete d;
  return VIX_OK;
}

EXPORT VixError VixDiskLib_GetInfo(VixDiskLibHandle handle, VixDiskLibInfo** info) {
  const auto* d = static_cast<const Disk*>(handle);
  auto* i = static_cast<VixDiskLibInfo*>(std::calloc(1, sizeof(VixDiskLibInfo)));
  i->capacity = d->sectors;
  i->adapterType = VIXDISKLIB_ADAPTER_SCSI_LSILOGIC;
  i->numLinks = 1;
  i->logicalSectorSize = i->physicalSectorSize = 512;
  *info = i;
  return VIX_OK;
}

EXPORT void VixDiskLib_FreeInfo(VixDiskLibInfo* info) {
  std::free(info);
}

EXPORT VixError VixDiskLib_Read(VixDiskLibHandle handle, VixDiskLibSectorType startSector,
                                VixDiskLibSectorType numSectors, uint8_t* readBuffer) {
  return do_read(*static_cast<Disk*>(handle), startSector, numSectors, readBuffer);
}

EXPORT VixError VixDiskLib_ReadAsync(VixDiskLibHandle handle, VixDiskLibSectorType startSector,
                                     VixDiskLibSectorType numSectors, uint8_t* readBuffer,
                                     VixDiskLibCompletionCB callback, void* cbData) {
  auto* d = static_cast<Disk*>(handle);
  if (!env("MM_VDDK_STANDIN_NO_ASYNC").empty()) return VIX_E_NOT_SUPPORTED;
  if (startSector > d->sectors || numSectors > d->sectors - startSector) {
    return VIX_E_DISK_OUTOFRANGE;
  }
  ++d->async_reads;
  {
    std::lock_guard lock(d->mu);
    d->jobs.push_back({startSector, numSectors, readBuffer, callback, cbData});
    ++d->pending;
  }
  d->cv.notify_all();
  return VIX_ASYNC;
}

// Allocated chunks, from the file's data and holes (SEEK_DATA / SEEK_HOLE).
EXPORT VixError VixDiskLib_QueryAllocatedBlocks(VixDiskLibHandle handle,
                                                VixDiskLibSectorType startSector,
                                                VixDiskLibSectorType numSectors,
                                                VixDiskLibSectorType chunkSize,
                                                VixDiskLibBlockList** blockList) {
  auto* d = static_cast<Disk*>(handle);
  if (!env("MM_VDDK_STANDIN_NO_QUERY").empty()) return VIX_E_NOT_SUPPORTED;
  if (chunkSize < VIXDISKLIB_MIN_CHUNK_SIZE || (chunkSize & (chunkSize - 1)) != 0 ||
      startSector % chunkSize != 0 || numSectors % chunkSize != 0 || numSectors == 0 ||
      numSectors / chunkSize > VIXDISKLIB_MAX_CHUNK_NUMBER || startSector >= d->sectors ||
      blockList == nullptr) {
    warn("QueryAllocatedBlocks: bad arguments %llu+%llu chunk %llu",
         (unsigned long long)startSector, (unsigned long long)numSectors,
         (unsigned long long)chunkSize);
    return VIX_E_INVALID_ARG;
  }
  const uint64_t chunk = chunkSize * VIXDISKLIB_SECTOR_SIZE;
  const uint64_t begin = startSector * VIXDISKLIB_SECTOR_SIZE;
  const uint64_t end = std::min(startSector + numSectors, d->sectors) * VIXDISKLIB_SECTOR_SIZE;
  std::vector<VixDiskLibBlock> blocks;
  for (uint64_t pos = begin; pos < end;) {
    const off_t data = ::lseek(d->fd, static_cast<off_t>(d->offset + pos), SEEK_DATA);
    if (data < 0) break;  // ENXIO: only a hole up to the end of the file
    const uint64_t a = static_cast<uint64_t>(data) - d->offset;
    if (a >= end) break;
    const off_t hole = ::lseek(d->fd, data, SEEK_HOLE);
    const uint64_t b = std::min(end, static_cast<uint64_t>(hole) - d->offset);
    const uint64_t ca = a / chunk * chunk, cb = std::min(end, (b + chunk - 1) / chunk * chunk);
    if (!blocks.empty() &&
        (blocks.back().offset + blocks.back().length) * VIXDISKLIB_SECTOR_SIZE >= ca) {
      blocks.back().length = cb / VIXDISKLIB_SECTOR_SIZE - blocks.back().offset;
    } else {
      blocks.push_back({ca / VIXDISKLIB_SECTOR_SIZE, (cb - ca) / VIXDISKLIB_SECTOR_SIZE});
    }
    pos = cb;
  }
  const size_t bytes = offsetof(VixDiskLibBlockList, blocks) +
                       std::max<size_t>(1, blocks.size()) * sizeof(VixDiskLibBlock);
  auto* list = static_cast<VixDiskLibBlockList*>(std::calloc(1, bytes));
  list->numBlocks = static_cast<uint32_t>(blocks.size());
  std::copy(blocks.begin(), blocks.end(), list->blocks);
  *blockList = list;
  return VIX_OK;
}

EXPORT VixError VixDiskLib_FreeBlockList(VixDiskLibBlockList* blockList) {
  std::free(blockList);
  return VIX_OK;
}

EXPORT char* VixDiskLib_GetErrorText(VixError err, const char*) {
  static const std::map<uint16_t, const char*> kText = {
      {VIX_E_FAIL, "Unknown error"},
      {VIX_E_INVALID_ARG, "One of the parameters was invalid"},
      {VIX_E_FILE_NOT_FOUND, "The file was not found"},
      {VIX_E_NOT_SUPPORTED, "The operation is not supported"},
      {VIX_E_FILE_ERROR, "A file access error occurred on the host or guest operating system"},
      {VIX_E_AUTHENTICATION_FAIL, "Authentication failure"},
      {VIX_E_HOST_NETWORK_CONN_REFUSED, "The server refused connection"},
      {VIX_E_DISK_NOIO, "The disk could not be read"},
      {VIX_E_DISK_OUTOFRANGE, "Sector range out of bounds"},
      {VIX_E_DISK_NOTSUPPORTED, "The disk type is not supported"},
      {VIX_E_CANNOT_CONNECT_TO_HOST, "Cannot connect to the host"},
  };
  const auto it = kText.find(vix_error_code(err));
  return ::strdup(it == kText.end() ? "Unknown error" : it->second);
}

EXPORT void VixDiskLib_FreeErrorText(char* text) {
  std::free(text);
}
