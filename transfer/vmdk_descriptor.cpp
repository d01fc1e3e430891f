#include "transfer/vmdk_descriptor.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <limits>

namespace mm::transfer {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string unquote(std::string_view v) {
  v = trim(v);
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
  return std::string(v);
}

[[noreturn]] void fail(size_t line, const std::string& why) {
  throw VmdkDescriptorError("VMDK descriptor line " + std::to_string(line) + ": " + why);
}

bool parse_u64(std::string_view s, uint64_t* out) {
  if (s.empty()) return false;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && end == s.data() + s.size();
}

// Next whitespace-separated word, or a "quoted string" (file names may hold spaces).
bool next_token(std::string_view* rest, std::string* token, bool* quoted) {
  *rest = trim(*rest);
  if (rest->empty()) return false;
  if (rest->front() == '"') {
    const size_t close = rest->find('"', 1);
    if (close == std::string_view::npos) return false;
    *token = std::string(rest->substr(1, close - 1));
    *quoted = true;
    rest->remove_prefix(close + 1);
    return true;
  }
  size_t end = 0;
  while (end < rest->size() && !std::isspace(static_cast<unsigned char>((*rest)[end]))) ++end;
  *token = std::string(rest->substr(0, end));
  *quoted = false;
  rest->remove_prefix(end);
  return true;
}

// Why a disk type cannot be read as plain bytes over the datastore file service.
std::string refusal(const std::string& type_lower, const std::string& as_written) {
  if (type_lower == "monolithicsparse" || type_lower == "twogbmaxextentsparse") {
    return "a hosted sparse disk (" + as_written +
           "): its data is in grains, not flat; convert it to a flat disk first";
  }
  if (type_lower == "vmfssparse" || type_lower == "sesparse" || type_lower == "vsansparse") {
    return "a snapshot delta (" + as_written +
           "): read the base disk beneath the snapshot (its parent), not the delta";
  }
  if (type_lower == "streamoptimized") {
    return "a streamOptimized disk (compressed grains, as in OVA exports): not a flat disk";
  }
  if (type_lower == "vmfsrawdevicemap" || type_lower == "vmfspassthroughrawdevicemap" ||
      type_lower == "vmfsraw" || type_lower == "fulldevice" || type_lower == "partitioneddevice") {
    return "a raw device mapping (" + as_written +
           "): its data is on a LUN, not in a datastore file; read the LUN directly";
  }
  return {};
}

}  // namespace

uint64_t VmdkDescriptor::size_bytes() const {
  uint64_t sectors = 0;
  for (const auto& e : extents) sectors += e.sectors;
  return sectors * kVmdkSector;
}

VmdkDescriptor parse_vmdk_descriptor(std::string_view text) {
  if (text.size() > kMaxDescriptorSize) {
    throw VmdkDescriptorError("not a VMDK descriptor: " + std::to_string(text.size()) +
                              " bytes (descriptors are text files of a few hundred bytes)");
  }
  if (text.find('\0') != std::string_view::npos) {
    throw VmdkDescriptorError("not a VMDK descriptor: it contains NUL bytes");
  }
  VmdkDescriptor d;
  bool has_version = false;
  std::vector<std::pair<size_t, std::string>> extent_lines;
  size_t line_no = 0;
  while (!text.empty()) {
    const size_t nl = text.find('\n');
    std::string_view line = trim(text.substr(0, nl));
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++line_no;
    if (line.empty() || line.front() == '#') continue;
    const std::string first_word = lower(line.substr(0, line.find_first_of(" \t")));
    if (first_word == "rw" || first_word == "rdonly" || first_word == "noaccess") {
      extent_lines.emplace_back(line_no, std::string(line));
      continue;
    }
    const size_t eq = line.find('=');
    if (eq == std::string_view::npos) fail(line_no, "expected KEY=VALUE or an extent line");
    const std::string key = lower(trim(line.substr(0, eq)));
    const std::string value = unquote(line.substr(eq + 1));
    if (key == "version") has_version = true;
    if (key == "createtype") d.create_type = value;
    if (key == "parentfilenamehint") d.parent_hint = value;
  }
  if (!has_version && d.create_type.empty()) {
    throw VmdkDescriptorError("not a VMDK descriptor: no version= and no createType= line");
  }
  if (d.create_type.empty()) throw VmdkDescriptorError("VMDK descriptor without createType");
  const std::string type = lower(d.create_type);
  if (std::string why = refusal(type, d.create_type); !why.empty()) {
    if (!d.parent_hint.empty()) why += " (parent: " + d.parent_hint + ")";
    throw VmdkDescriptorError("cannot read this disk through the datastore: it is " + why);
  }
  if (type != "monolithicflat" && type != "vmfs" && type != "twogbmaxextentflat" &&
      type != "vmfsthin" && type != "vmfseagerzeroedthick" && type != "vmfspreallocated") {
    throw VmdkDescriptorError("unknown VMDK disk type '" + d.create_type +
                              "' (flat types: monolithicFlat, vmfs, twoGbMaxExtentFlat)");
  }
  if (!trim(d.parent_hint).empty()) {
    // A flat type with a parent is a linked clone's delta in disguise: its data is incomplete.
    throw VmdkDescriptorError("cannot read this disk through the datastore: it has a parent (" +
                              d.parent_hint + "), so it holds only the changes since it");
  }
  uint64_t total_sectors = 0;
  for (const auto& [no, line] : extent_lines) {
    std::string_view rest = line;
    std::string access, sectors_text, kind, file, offset_text;
    bool quoted = false;
    next_token(&rest, &access, &quoted);
    if (!next_token(&rest, &sectors_text, &quoted) || quoted) fail(no, "extent without a size");
    if (!next_token(&rest, &kind, &quoted) || quoted) fail(no, "extent without a type");
    VmdkExtent x;
    if (!parse_u64(sectors_text, &x.sectors) || x.sectors == 0) {
      fail(no, "extent size '" + sectors_text + "' is not a positive number of sectors");
    }
    const std::string k = lower(kind);
    if (k == "zero") {
      x.type = VmdkExtent::Type::kZero;
    } else if (k == "flat" || k == "vmfs") {
      if (!next_token(&rest, &file, &quoted) || !quoted || file.empty()) {
        fail(no, kind + " extent without a \"file name\"");
      }
      if (file.front() == '/' || file.find("..") != std::string::npos ||
          file.find('\\') != std::string::npos) {
        fail(no, "extent file '" + file + "' is not a name beside the descriptor");
      }
      x.file = file;
      if (next_token(&rest, &offset_text, &quoted)) {
        if (quoted || !parse_u64(offset_text, &x.file_offset)) {
          fail(no, "extent offset '" + offset_text + "' is not a number of sectors");
        }
        if (x.file_offset > std::numeric_limits<uint64_t>::max() / kVmdkSector / 2) {
          fail(no, "extent offset out of range");
        }
      }
      if (!trim(rest).empty()) fail(no, "unexpected text after the extent");
    } else if (k == "sparse" || k == "vmfssparse" || k == "sesparse" || k == "vmfsrdm" ||
               k == "vmfsraw") {
      throw VmdkDescriptorError("cannot read this disk through the datastore: extent type " + kind +
                                " (line " + std::to_string(no) + ") is not flat");
    } else {
      fail(no, "unknown extent type '" + kind + "'");
    }
    if (lower(access) == "noaccess") fail(no, "a NOACCESS extent cannot be read");
    if (x.sectors > (std::numeric_limits<uint64_t>::max() / 2) / kVmdkSector - total_sectors) {
      fail(no, "the extents add up past 2^63 bytes");
    }
    total_sectors += x.sectors;
    d.extents.push_back(std::move(x));
  }
  if (d.extents.empty()) throw VmdkDescriptorError("VMDK descriptor without extents");
  return d;
}

bool looks_like_vmdk_descriptor(std::string_view head) {
  return head.starts_with("# Disk DescriptorFile");
}

std::string sparse_vmdk_magic(std::string_view head) {
  if (head.starts_with("KDMV")) return "monolithicSparse or streamOptimized (binary sparse VMDK)";
  if (head.starts_with("COWD")) return "vmfsSparse (ESX 2 sparse VMDK)";
  return {};
}

}  // namespace mm::transfer
