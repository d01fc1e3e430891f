#include "transfer/checkpoint.h"

#include <fcntl.h>
#include <unistd.h>
#include <xxhash.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <system_error>

#include "transfer/copy_plan.h"
#include "transfer/disk_digest.h"

namespace mm::transfer {
namespace {

constexpr const char* kFormat = "mm-transfer-checkpoint";
constexpr int kVersion = 1;

std::string hash_hex(const std::string& text) {
  char buf[17];
  snprintf(buf, sizeof buf, "%016llx",
           static_cast<unsigned long long>(XXH3_64bits(text.data(), text.size())));
  return buf;
}

template <typename T>
T field(const nlohmann::json& j, const char* name) {
  auto it = j.find(name);
  if (it == j.end()) throw CheckpointError(std::string("checkpoint: missing field '") + name + "'");
  try {
    return it->get<T>();
  } catch (const nlohmann::json::exception&) {
    throw CheckpointError(std::string("checkpoint: field '") + name + "' has the wrong type");
  }
}

void write_all(int fd, const std::string& data, const std::string& path) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw std::system_error(errno, std::generic_category(), "writing " + path);
    done += static_cast<size_t>(n);
  }
}

}  // namespace

std::string serialize_checkpoint(const Checkpoint& c) {
  nlohmann::json j = {
      {"format", kFormat},
      {"version", kVersion},
      {"operation", c.identity.operation},
      {"source", c.identity.source},
      {"target", c.identity.target},
      {"size", c.identity.size},
      {"change_set", c.identity.change_set},
      {"leaf_size", kLeafSize},
      {"target_was_fresh", c.target_was_fresh},
      {"done_offset", c.done_offset},
      {"digest",
       {{"leaves", c.digest_leaves},
        {"segments", c.digest_segments_hex},
        {"open", c.digest_open_hex}}},
  };
  const std::string body = j.dump();
  j["checksum"] = hash_hex(body);
  return j.dump() + "\n";
}

Checkpoint parse_checkpoint(std::string_view text) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {  // parse_error, and out_of_range for huge numbers
    throw CheckpointError(std::string("checkpoint is not valid JSON: ") + e.what());
  }
  if (!j.is_object()) throw CheckpointError("checkpoint: not a JSON object");
  if (field<std::string>(j, "format") != kFormat) {
    throw CheckpointError("checkpoint: not an mm-transfer checkpoint (format field)");
  }
  if (field<int>(j, "version") != kVersion) {
    throw CheckpointError("checkpoint: version " + j["version"].dump() + " is not supported");
  }
  const std::string checksum = field<std::string>(j, "checksum");
  j.erase("checksum");
  if (hash_hex(j.dump()) != checksum) {
    throw CheckpointError("checkpoint: checksum mismatch (the file was damaged or edited)");
  }
  if (field<uint64_t>(j, "leaf_size") != kLeafSize) {
    throw CheckpointError("checkpoint: leaf_size differs from this build's");
  }
  Checkpoint c;
  c.identity.operation = field<std::string>(j, "operation");
  c.identity.source = field<std::string>(j, "source");
  c.identity.target = field<std::string>(j, "target");
  c.identity.size = field<uint64_t>(j, "size");
  c.identity.change_set = field<std::string>(j, "change_set");
  c.target_was_fresh = field<bool>(j, "target_was_fresh");
  c.done_offset = field<uint64_t>(j, "done_offset");
  const auto digest = field<nlohmann::json>(j, "digest");
  if (!digest.is_object()) throw CheckpointError("checkpoint: field 'digest' is not an object");
  c.digest_leaves = field<uint64_t>(digest, "leaves");
  c.digest_segments_hex = field<std::string>(digest, "segments");
  c.digest_open_hex = field<std::string>(digest, "open");
  if (c.identity.size > static_cast<uint64_t>(INT64_MAX)) {
    throw CheckpointError("checkpoint: size is larger than any disk can be");
  }
  if (c.done_offset > c.identity.size) {
    throw CheckpointError("checkpoint: done_offset lies beyond the disk size");
  }
  // A copy's frontier moves by whole leaves, a top-up's by 4 KiB blocks (copy_plan.h): anything
  // else was not written by this tool. Either way done_offset may be the end of a short last block.
  const uint64_t align = c.identity.operation == "sync" ? kSyncAlign : kLeafSize;
  if (c.done_offset % align != 0 && c.done_offset != c.identity.size) {
    throw CheckpointError("checkpoint: done_offset is not a multiple of " + std::to_string(align));
  }
  // The digest state must cover exactly the leaves below done_offset (a top-up's is a placeholder).
  const uint64_t leaves = (c.done_offset + kLeafSize - 1) / kLeafSize;
  if (c.digest_leaves != leaves) {
    throw CheckpointError("checkpoint: digest state does not match done_offset");
  }
  try {
    DigestAccumulator probe(c.identity.size);
    probe.restore(c.digest_leaves, c.digest_segments_hex, c.digest_open_hex);
  } catch (const std::exception& e) {
    throw CheckpointError(std::string("checkpoint: ") + e.what());
  }
  return c;
}

std::optional<Checkpoint> load_checkpoint(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (errno == ENOENT) return std::nullopt;
    throw CheckpointError("cannot read checkpoint " + path + ": " + std::strerror(errno));
  }
  std::stringstream ss;
  ss << in.rdbuf();
  try {
    return parse_checkpoint(ss.str());
  } catch (const CheckpointError& e) {
    throw CheckpointError(path + ": " + e.what());
  }
}

void store_checkpoint(const std::string& path, const Checkpoint& c) {
  const std::string tmp = path + ".tmp";
  const std::string data = serialize_checkpoint(c);
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw std::system_error(errno, std::generic_category(), "creating " + tmp);
  try {
    write_all(fd, data, tmp);
    if (::fsync(fd) != 0) throw std::system_error(errno, std::generic_category(), "fsync " + tmp);
  } catch (...) {
    ::close(fd);
    throw;
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    throw std::system_error(errno, std::generic_category(), "renaming " + tmp);
  }
  const size_t slash = path.rfind('/');
  const std::string dir =
      slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);  // makes the rename itself durable
    ::close(dfd);
  }
}

void check_identity(const std::string& path, const Checkpoint& c,
                    const CheckpointIdentity& wanted) {
  if (c.identity == wanted) return;
  auto describe = [](const CheckpointIdentity& i) {
    return i.operation + " " + i.source + " -> " + i.target + " (" + std::to_string(i.size) +
           " bytes" + (i.change_set.empty() ? "" : ", change set " + i.change_set) + ")";
  };
  throw CheckpointError("checkpoint " + path + " belongs to another transfer: it records " +
                        describe(c.identity) + ", this is " + describe(wanted) +
                        "; remove it or give another --checkpoint file");
}

}  // namespace mm::transfer
