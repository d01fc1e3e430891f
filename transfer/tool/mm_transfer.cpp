// mm-transfer: copy, sync, map, checksum, verify and inspect disks (NBD exports, files, block
// devices), and receive a disk sent over an mmt:// stream.
// Exit status: 0 success, 1 verify found differences (inspect: the disk cannot be read), 2 bad
// usage, 3 the transfer failed, 4 incomplete (receive: the sender did not come back in time; its
// checkpoint resumes it).
#include <fcntl.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>

#include "cbt/extents_file.h"
#include "inspect/inspection_format.h"
#include "inspect/inspector.h"
#include "inspect/source_disk.h"
#include "transfer/checkpoint.h"
#include "transfer/copier.h"
#include "transfer/endpoint_io.h"
#include "transfer/event_loop.h"
#include "transfer/stream/fingerprint.h"
#include "transfer/stream/receiver.h"
#include "transfer/tool/change_set.h"
#include "transfer/tool/duration_arg.h"
#include "transfer/tool/progress_display.h"
#include "transfer/tool/size_arg.h"
#include "transfer/vddk_library.h"
#include "transfer/verifier.h"

namespace mt = mm::transfer;

namespace {

struct CommonFlags {
  unsigned connections = 4;
  unsigned requests = 16;
  std::string request_size = "256K";
  bool progress = false;
  int progress_fd = -1;  // copy, sync: JSON progress lines for a supervisor
  bool json = false;
  // mmt:// targets
  std::string tls_cert, tls_key, trust;
  bool no_compress = false;
  std::string stall_timeout;  // empty: the default (StreamOptions / ReceiverOptions)
  // https:// sources (the vSphere datastore file service)
  std::string http_cookie_file, source_trust, http_timeout;
  // vddk:// sources
  std::string vddk_credentials_file;
};

// Bad usage that only shows once the endpoints are known: exit status 2.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

void add_stream_flags(CLI::App* cmd, CommonFlags& f) {
  cmd->add_option("--tls-cert", f.tls_cert, "mmt:// target: this sender's certificate (PEM)");
  cmd->add_option("--tls-key", f.tls_key, "mmt:// target: its private key (PEM)");
  cmd->add_option("--trust", f.trust,
                  "mmt:// target: SHA-256 fingerprint of the receiver's certificate");
  cmd->add_flag("--no-compress", f.no_compress, "mmt:// target: send every frame uncompressed");
  cmd->add_option("--stall-timeout", f.stall_timeout,
                  "mmt:// target: a link silent this long is dropped and reconnected "
                  "(default 60s; 0: never)");
}

// The TLS flags belong to mmt:// targets, and an mmt:// target needs all of them (--trust pins
// an https:// source instead when the target is not mmt://).
void check_stream_flags(const mt::Endpoint& source, const mt::Endpoint& target,
                        const CommonFlags& f) {
  const bool trust_is_source =
      source.kind == mt::EndpointKind::kHttps && target.kind != mt::EndpointKind::kStream;
  const bool any = !f.tls_cert.empty() || !f.tls_key.empty() ||
                   (!f.trust.empty() && !trust_is_source) || f.no_compress ||
                   !f.stall_timeout.empty();
  if (target.kind != mt::EndpointKind::kStream) {
    if (any) {
      throw UsageError(
          "--tls-cert, --tls-key, --trust, --no-compress and --stall-timeout are for mmt:// "
          "targets");
    }
    return;
  }
  if (f.tls_cert.empty() || f.tls_key.empty() || f.trust.empty()) {
    throw UsageError(target.uri + " needs --tls-cert, --tls-key and --trust");
  }
  try {
    mm::transfer::stream::normalize_fingerprint(f.trust);
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string("--trust: ") + e.what());
  }
}

// The flags of an https:// source; commands without the mmt:// flags take --trust here too.
void add_source_flags(CLI::App* cmd, CommonFlags& f, bool with_trust) {
  cmd->add_option("--http-cookie-file", f.http_cookie_file,
                  "https:// source: file holding the session cookie, vmware_soap_session=\"...\" "
                  "(or set MM_HTTP_COOKIE)");
  cmd->add_option("--source-trust", f.source_trust,
                  "https:// source: SHA-256 fingerprint of the server's certificate");
  cmd->add_option("--http-timeout", f.http_timeout,
                  "https:// source: connect, handshake and each request time out after this "
                  "(default 60s; a timed-out read is retried, 10 attempts)");
  if (with_trust) {
    cmd->add_option("--trust", f.trust,
                    "https:// source: SHA-256 fingerprint of the server's certificate");
  }
  cmd->add_option("--vddk-credentials-file", f.vddk_credentials_file,
                  "vddk:// source: file holding the user and the password on two lines (or set "
                  "MM_VDDK_USER and MM_VDDK_PASSWORD)");
}

std::string trim_space(std::string s) {
  const size_t a = s.find_first_not_of(" \t\r\n");
  if (a == std::string::npos) return {};
  return s.substr(a, s.find_last_not_of(" \t\r\n") - a + 1);
}

// The Cookie header for an https:// source: from --http-cookie-file, else $MM_HTTP_COOKIE. A bare
// value is taken as the vSphere session id.
std::string load_cookie(const CommonFlags& f) {
  std::string text;
  if (!f.http_cookie_file.empty()) {
    std::ifstream in(f.http_cookie_file);
    if (!in) throw UsageError("--http-cookie-file: cannot read " + f.http_cookie_file);
    text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  } else if (const char* env = std::getenv("MM_HTTP_COOKIE"); env != nullptr) {
    text = env;
  }
  text = trim_space(text);
  if (text.starts_with("Cookie:")) text = trim_space(text.substr(7));
  if (text.find_first_of("\r\n") != std::string::npos) {
    throw UsageError("the session cookie must be one line");
  }
  if (!text.empty() && text.find('=') == std::string::npos) {
    text = "vmware_soap_session=\"" + text + "\"";
  }
  return text;
}

// The user and password of a vddk:// source: --vddk-credentials-file (two lines), else
// $MM_VDDK_USER and $MM_VDDK_PASSWORD. Never on the command line.
void load_vddk_credentials(const CommonFlags& f, mt::Endpoint& e) {
  if (!f.vddk_credentials_file.empty()) {
    std::ifstream in(f.vddk_credentials_file);
    if (!in) throw UsageError("--vddk-credentials-file: cannot read " + f.vddk_credentials_file);
    std::string user, password;
    std::getline(in, user);
    std::getline(in, password);
    if (!user.empty() && user.back() == '\r') user.pop_back();
    if (!password.empty() && password.back() == '\r') password.pop_back();
    if (trim_space(user).empty()) {
      throw UsageError("--vddk-credentials-file " + f.vddk_credentials_file +
                       ": the first line must be the user, the second the password");
    }
    e.vddk.user = trim_space(user);
    e.vddk.password = password;
    return;
  }
  const char* user = std::getenv("MM_VDDK_USER");
  const char* password = std::getenv("MM_VDDK_PASSWORD");
  if (user == nullptr || *user == '\0' || password == nullptr) {
    throw UsageError(e.uri +
                     " needs credentials: --vddk-credentials-file FILE (the user and the password "
                     "on two lines) or MM_VDDK_USER and MM_VDDK_PASSWORD");
  }
  e.vddk.user = user;
  e.vddk.password = password;
}

// VMware's lib64/ also holds the libraries libvixDiskLib needs, which the loader finds only through
// LD_LIBRARY_PATH (as VMware documents, and as nbdkit's vddk plugin does): a vddk:// command runs
// itself again, once, with the library's directory in front of it. The pid stays the same.
void reexec_for_vddk(const std::vector<std::string>& uris, char** argv) {
  if (std::getenv("MM_VDDK_REEXECUTED") != nullptr) return;
  for (const std::string& text : uris) {
    if (!text.starts_with("vddk://")) continue;
    std::string dir;
    try {
      dir = mt::VddkLibrary::library_dir(mt::parse_endpoint(text).vddk.libdir);
    } catch (const std::exception&) {
      return;  // the command reports the bad URI itself
    }
    if (dir.empty()) return;  // and the missing library
    const char* old = std::getenv("LD_LIBRARY_PATH");
    const std::string path = dir + (old != nullptr && *old != '\0' ? ":" + std::string(old) : "");
    ::setenv("LD_LIBRARY_PATH", path.c_str(), 1);
    ::setenv("MM_VDDK_REEXECUTED", "1", 1);
    ::execv("/proc/self/exe", argv);
    return;  // exec failed: carry on; the library may load all the same
  }
}

// SRC with what an https:// source needs beside its URI: the cookie, the pinned certificate and
// (copy --extents-file) where it holds data. `target` is null for commands without one.
mt::Endpoint source_endpoint(const std::string& text, const CommonFlags& f,
                             const mt::Endpoint* target, const std::string& data_extents_file) {
  mt::Endpoint e = mt::parse_endpoint(text);
  if (e.kind == mt::EndpointKind::kVddk) {
    if (!f.http_cookie_file.empty() || !f.source_trust.empty() || !f.http_timeout.empty()) {
      throw UsageError(
          "--http-cookie-file, --source-trust and --http-timeout are for https:// sources");
    }
    load_vddk_credentials(f, e);
    if (!data_extents_file.empty()) {
      try {
        e.data_extents = mm::cbt::read_extents_file(data_extents_file).extents();
      } catch (const mm::cbt::ExtentsFileError& err) {
        throw UsageError(std::string("--extents-file: ") + err.what());
      }
    }
    return e;
  }
  if (!f.vddk_credentials_file.empty()) {
    throw UsageError("--vddk-credentials-file is for vddk:// sources");
  }
  if (e.kind != mt::EndpointKind::kHttps) {
    if (!f.http_cookie_file.empty() || !f.source_trust.empty() || !f.http_timeout.empty()) {
      throw UsageError(
          "--http-cookie-file, --source-trust and --http-timeout are for https:// sources");
    }
    if (!data_extents_file.empty()) {
      throw UsageError("copy --extents-file is for https:// sources (where the disk holds data)");
    }
    return e;
  }
  e.http_cookie = load_cookie(f);
  if (!f.http_timeout.empty()) {
    e.http_timeout = mt::parse_duration_arg(f.http_timeout, "--http-timeout");
  }
  std::string pin = f.source_trust;
  const bool stream_target = target != nullptr && target->kind == mt::EndpointKind::kStream;
  if (pin.empty() && !stream_target) pin = f.trust;
  if (!pin.empty()) {
    try {
      e.http_trust = mm::transfer::stream::normalize_fingerprint(pin);
    } catch (const std::invalid_argument& err) {
      throw UsageError(std::string(f.source_trust.empty() ? "--trust: " : "--source-trust: ") +
                       err.what());
    }
  }
  if (!data_extents_file.empty()) {
    try {
      e.data_extents = mm::cbt::read_extents_file(data_extents_file).extents();
    } catch (const mm::cbt::ExtentsFileError& err) {
      throw UsageError(std::string("--extents-file: ") + err.what());
    }
  }
  return e;
}

void add_tuning(CLI::App* cmd, CommonFlags& f) {
  cmd->add_option("--connections", f.connections,
                  "Connections: NBD (when the server allows multi-conn) or https://")
      ->capture_default_str();
  cmd->add_option("--requests", f.requests, "Requests in flight per connection")
      ->capture_default_str();
  cmd->add_option("--request-size", f.request_size,
                  "Bytes per request, a multiple of 64K (suffixes K, M)")
      ->capture_default_str();
  cmd->add_flag("--progress", f.progress, "Show progress (a bar on a terminal)");
  cmd->add_flag("--json", f.json, "Print one JSON object with the result");
}

void add_progress_fd(CLI::App* cmd, CommonFlags& f) {
  cmd->add_option("--progress-fd", f.progress_fd,
                  "Write progress as JSON lines to this open descriptor (docs/disk-workers.md)");
}

// --progress-fd: the stream, counting from where a checkpoint resumes the job. The checkpoint is
// only peeked at here; the copier checks it (and fails on a bad one) as always.
std::optional<mt::ProgressStream> progress_stream(const CommonFlags& f,
                                                  const std::string& operation,
                                                  const std::string& checkpoint,
                                                  const std::vector<mm::cbt::Extent>* changes) {
  if (f.progress_fd < 0) return std::nullopt;
  const int mode = f.progress_fd > STDIN_FILENO ? fcntl(f.progress_fd, F_GETFL) : -1;
  if (mode < 0 || (mode & O_ACCMODE) == O_RDONLY) {
    throw UsageError("--progress-fd " + std::to_string(f.progress_fd) +
                     " is not an open descriptor for writing");
  }
  uint64_t frontier = 0;
  try {
    if (!checkpoint.empty()) {
      if (auto cp = mt::load_checkpoint(checkpoint)) frontier = cp->done_offset;
    }
  } catch (const std::exception&) {
    frontier = 0;
  }
  if (!changes) return mt::ProgressStream(f.progress_fd, operation, frontier, frontier);
  uint64_t changed_below = 0;  // a top-up's total is its whole change set, resumed or not
  for (const auto& e : *changes) {
    if (e.offset < frontier) changed_below += std::min(e.end(), frontier) - e.offset;
  }
  return mt::ProgressStream(f.progress_fd, operation, changed_below, 0);
}

// Feeds the run's progress to the bar and the stream, whichever were asked for.
void watch_progress(mt::CopyOptions& o, const CommonFlags& f, mt::ProgressDisplay& display,
                    std::optional<mt::ProgressStream>& stream) {
  if (stream) stream->start();
  if (!f.progress && !stream) return;
  o.on_progress = [&f, &display, &stream](const mt::CopyProgress& p) {
    if (f.progress) display.update(p);
    if (stream) stream->update(p);
  };
}

mt::CopyOptions copy_options(const CommonFlags& f) {
  mt::CopyOptions o;
  o.connections = f.connections;
  o.requests = f.requests;
  o.request_size = mt::parse_size_arg(f.request_size, "--request-size");
  o.on_notice = [](const std::string& n) { fprintf(stderr, "mm-transfer: %s\n", n.c_str()); };
  o.stream.cert_path = f.tls_cert;
  o.stream.key_path = f.tls_key;
  o.stream.trust = f.trust;
  o.stream.compress = !f.no_compress;
  if (!f.stall_timeout.empty()) {
    o.stream.stall_timeout = mt::parse_duration_arg(f.stall_timeout, "--stall-timeout");
  }
  return o;
}

nlohmann::json report_json(const mt::CopyReport& r, const std::string& src,
                           const std::string& dst) {
  nlohmann::json j = {
      {"source", src},
      {"target", dst},
      {"size", r.size},
      {"bytes_read", r.bytes_read},
      {"bytes_written", r.bytes_written},
      {"bytes_zeroed", r.bytes_zeroed},
      {"bytes_skipped", r.bytes_skipped},
      {"resumed_from", r.resumed_from},
      {"retries", r.retries},
      {"reconnects", r.reconnects},
      {"seconds", r.seconds},
      {"throughput_bytes_per_second",
       r.seconds > 0 ? static_cast<double>(r.size - r.resumed_from) / r.seconds : 0.0},
  };
  j["digest"] = r.digest.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.digest);
  return j;
}

int do_copy(const std::string& src, const std::string& dst, const CommonFlags& f,
            bool target_is_zero, const std::string& checkpoint, const std::string& interval,
            const std::string& data_extents_file) {
  mt::CopyOptions o = copy_options(f);
  o.target_is_zero = target_is_zero;
  o.checkpoint_path = checkpoint;
  o.checkpoint_interval_bytes = mt::parse_size_arg(interval, "--checkpoint-interval");
  const mt::Endpoint target = mt::parse_endpoint(dst);
  const mt::Endpoint source = source_endpoint(src, f, &target, data_extents_file);
  check_stream_flags(source, target, f);
  mt::ProgressDisplay display("copy");
  std::optional<mt::ProgressStream> stream = progress_stream(f, "copy", checkpoint, nullptr);
  watch_progress(o, f, display, stream);
  const mt::CopyReport r = mt::run_copy(source, target, o);
  if (f.progress) display.finish();
  if (stream) stream->finish();
  if (f.json) {
    std::cout << report_json(r, src, dst).dump() << std::endl;
    return 0;
  }
  const double moved = static_cast<double>(r.size - r.resumed_from);
  printf("copied %s in %.2f s (%s/s)%s\n", mt::human_size(moved).c_str(), r.seconds,
         mt::human_size(r.seconds > 0 ? moved / r.seconds : 0).c_str(),
         r.resumed_from ? (", resumed at " + mt::human_size(r.resumed_from)).c_str() : "");
  printf("  read %s, wrote %s, zeroed %s, skipped %s", mt::human_size(r.bytes_read).c_str(),
         mt::human_size(r.bytes_written).c_str(), mt::human_size(r.bytes_zeroed).c_str(),
         mt::human_size(r.bytes_skipped).c_str());
  if (r.retries || r.reconnects) printf(", %lu retries, %lu reconnects", r.retries, r.reconnects);
  printf("\ndigest %s\n", r.digest.c_str());
  return 0;
}

// A top-up: only the change set's bytes (still skipping holes and zeroes inside it).
int do_sync(const std::string& src, const std::string& dst, const CommonFlags& f,
            const std::string& extents, const std::string& extents_file,
            const std::string& checkpoint, const std::string& interval) {
  mt::CopyOptions o = copy_options(f);
  o.checkpoint_path = checkpoint;
  o.checkpoint_interval_bytes = mt::parse_size_arg(interval, "--checkpoint-interval");
  const mt::Endpoint target = mt::parse_endpoint(dst);
  const mt::Endpoint source = source_endpoint(src, f, &target, "");
  check_stream_flags(source, target, f);
  const mt::ChangeSet cs = mt::load_change_set(source, extents, extents_file);
  o.only_extents = cs.extents;
  o.change_set_id = cs.id;  // a checkpoint of another change set is refused, never reused
  mt::ProgressDisplay display("sync");
  std::optional<mt::ProgressStream> stream = progress_stream(f, "sync", checkpoint, &cs.extents);
  watch_progress(o, f, display, stream);
  const mt::CopyReport r = mt::run_copy(source, target, o);
  if (f.progress) display.finish();
  if (stream) stream->finish();
  if (f.json) {
    nlohmann::json j = report_json(r, src, dst);
    j["bytes_changed"] = r.bytes_changed;
    j["change_set"] = cs.id;
    j["throughput_bytes_per_second"] =
        r.seconds > 0 ? static_cast<double>(r.bytes_changed) / r.seconds : 0.0;
    std::cout << j.dump() << std::endl;
    return 0;
  }
  printf("synced %s changed in %zu extents (%s) in %.2f s%s\n",
         mt::human_size(static_cast<double>(r.bytes_changed)).c_str(), cs.extents.size(),
         cs.description.c_str(), r.seconds,
         r.resumed_from ? (", resumed at " + mt::human_size(r.resumed_from)).c_str() : "");
  printf("  read %s, wrote %s, zeroed %s, skipped %s", mt::human_size(r.bytes_read).c_str(),
         mt::human_size(r.bytes_written).c_str(), mt::human_size(r.bytes_zeroed).c_str(),
         mt::human_size(r.bytes_skipped).c_str());
  if (r.retries || r.reconnects) printf(", %lu retries, %lu reconnects", r.retries, r.reconnects);
  printf("\n");
  return 0;
}

struct ReceiveFlags {
  std::string listen, target, checkpoint, resume_timeout;
};

// The receiving end of mmt://: returns once one transfer is complete.
int do_receive(const ReceiveFlags& rf, const CommonFlags& f) {
  namespace ms = mm::transfer::stream;
  ms::ReceiverOptions o;
  const size_t colon = rf.listen.rfind(':');
  if (colon == std::string::npos) throw UsageError("--listen takes HOST:PORT");
  o.listen_host = rf.listen.substr(0, colon);
  if (o.listen_host.size() >= 2 && o.listen_host.front() == '[') {
    o.listen_host = o.listen_host.substr(1, o.listen_host.size() - 2);
  }
  try {
    const unsigned long port = std::stoul(rf.listen.substr(colon + 1));
    if (port > 65535) throw std::out_of_range("port");
    o.listen_port = static_cast<uint16_t>(port);
  } catch (const std::exception&) {
    throw UsageError("--listen: '" + rf.listen.substr(colon + 1) + "' is not a port number");
  }
  o.target_path = rf.target;
  o.checkpoint_path = rf.checkpoint;
  o.cert_path = f.tls_cert;
  o.key_path = f.tls_key;
  o.trust = f.trust;
  try {
    ms::normalize_fingerprint(f.trust);
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string("--trust: ") + e.what());
  }
  if (!f.stall_timeout.empty()) {
    o.stall_timeout = mt::parse_duration_arg(f.stall_timeout, "--stall-timeout");
  }
  if (!rf.resume_timeout.empty()) {
    o.resume_timeout = mt::parse_duration_arg(rf.resume_timeout, "--resume-timeout");
  }
  o.log = [](const std::string& line) {
    fprintf(stderr, "mm-transfer receive: %s\n", line.c_str());
  };
  const ms::ReceiveReport r = ms::run_receiver(o);
  if (f.json) {
    std::cout << nlohmann::json{{"target", rf.target},
                                {"size", r.size},
                                {"frames", r.frames},
                                {"bytes_received", r.bytes_received},
                                {"bytes_written", r.bytes_written},
                                {"bytes_zeroed", r.bytes_zeroed},
                                {"connections", r.connections},
                                {"resumed_at_frame", r.resumed_at_seq},
                                {"seconds", r.seconds}}
                     .dump()
              << std::endl;
  } else {
    printf("received %s: wrote %s, zeroed %s, %s on the wire, %lu connections, %.2f s\n",
           rf.target.c_str(), mt::human_size(static_cast<double>(r.bytes_written)).c_str(),
           mt::human_size(static_cast<double>(r.bytes_zeroed)).c_str(),
           mt::human_size(static_cast<double>(r.bytes_received)).c_str(), r.connections, r.seconds);
  }
  return 0;
}

int do_checksum(const std::string& src, const CommonFlags& f) {
  mt::CopyOptions o = copy_options(f);
  mt::ProgressDisplay display("checksum");
  if (f.progress) o.on_progress = [&](const mt::CopyProgress& p) { display.update(p); };
  const mt::CopyReport r =
      mt::run_copy(source_endpoint(src, f, nullptr, ""), mt::parse_endpoint("null:"), o);
  if (f.progress) display.finish();
  if (f.json) {
    std::cout << nlohmann::json{{"source", src},
                                {"size", r.size},
                                {"digest", r.digest},
                                {"bytes_read", r.bytes_read},
                                {"seconds", r.seconds}}
                     .dump()
              << std::endl;
  } else {
    printf("%s  %s\n", r.digest.c_str(), src.c_str());
  }
  return 0;
}

int do_map(const std::string& src, const CommonFlags& f) {
  const bool json = f.json;
  mt::EventLoop loop(64);
  auto reader = mt::open_source(source_endpoint(src, f, nullptr, ""), loop, {1, 1});
  nlohmann::json extents = nlohmann::json::array();
  uint64_t data = 0, zero = 0;
  struct Row {
    uint64_t offset, length;
    bool zero;
  };
  std::vector<Row> rows;
  reader->map(0, reader->size(), [&](uint64_t off, uint64_t len, bool z) {
    if (!rows.empty() && rows.back().zero == z && rows.back().offset + rows.back().length == off) {
      rows.back().length += len;
    } else {
      rows.push_back({off, len, z});
    }
    (z ? zero : data) += len;
  });
  if (json) {
    for (const Row& r : rows) {
      extents.push_back(
          {{"offset", r.offset}, {"length", r.length}, {"type", r.zero ? "zero" : "data"}});
    }
    std::cout
        << nlohmann::json{{"source", src}, {"size", reader->size()}, {"extents", extents}}.dump()
        << std::endl;
    return 0;
  }
  printf("%20s %20s  %s\n", "offset", "length", "type");
  for (const Row& r : rows) {
    printf("%20lu %20lu  %s\n", r.offset, r.length, r.zero ? "zero" : "data");
  }
  printf("size %s: data %s, zero %s\n", mt::human_size(reader->size()).c_str(),
         mt::human_size(data).c_str(), mt::human_size(zero).c_str());
  return 0;
}

int do_verify(const std::string& a, const std::string& b, const CommonFlags& f) {
  mt::CopyOptions o = copy_options(f);
  mt::ProgressDisplay display("verify");
  if (f.progress) o.on_progress = [&](const mt::CopyProgress& p) { display.update(p); };
  const mt::VerifyReport r =
      mt::run_verify(source_endpoint(a, f, nullptr, ""), source_endpoint(b, f, nullptr, ""), o);
  if (f.progress) display.finish();
  uint64_t differing = 0;
  for (const auto& m : r.mismatches) differing += m.length;
  if (f.json) {
    nlohmann::json ranges = nlohmann::json::array();
    for (const auto& m : r.mismatches)
      ranges.push_back({{"offset", m.offset}, {"length", m.length}});
    std::cout << nlohmann::json{{"identical", r.identical()},
                                {"size_a", r.size_a},
                                {"size_b", r.size_b},
                                {"bytes_compared", r.bytes_compared},
                                {"bytes_skipped", r.bytes_skipped},
                                {"bytes_differing", differing},
                                {"mismatches", ranges},
                                {"seconds", r.seconds}}
                     .dump()
              << std::endl;
  } else {
    if (r.size_a != r.size_b) {
      printf("sizes differ: %s has %lu bytes, %s has %lu bytes\n", a.c_str(), r.size_a, b.c_str(),
             r.size_b);
    }
    for (const auto& m : r.mismatches) {
      printf("differ: offset %lu length %lu\n", m.offset, m.length);
    }
    if (r.identical()) {
      printf("identical: %s compared, %s zero on both sides\n",
             mt::human_size(r.bytes_compared).c_str(), mt::human_size(r.bytes_skipped).c_str());
    } else {
      printf("%s differ in %zu ranges\n", mt::human_size(differing).c_str(), r.mismatches.size());
    }
  }
  return r.identical() ? 0 : 1;
}

// What DISK holds: partition table, filesystems, firmware, guest OS (docs/inspection.md). Reads
// only. Exit 0 with a result even when nothing is recognised, 1 when the disk cannot be read.
int do_inspect(const std::string& src, const CommonFlags& f) {
  const mt::Endpoint endpoint = source_endpoint(src, f, nullptr, "");
  mm::inspect::Inspection r;
  try {
    mm::inspect::SourceDisk disk(endpoint);
    r = mm::inspect::inspect_disk(disk);
  } catch (const std::exception& e) {
    fprintf(stderr, "mm-transfer: cannot inspect %s: %s\n", src.c_str(), e.what());
    return 1;
  }
  if (f.json) {
    std::cout << mm::inspect::to_json(r).dump(-1, ' ', false,
                                              nlohmann::json::error_handler_t::replace)
              << std::endl;
  } else {
    std::cout << mm::inspect::format_table(r);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"mm-transfer: copy, map, checksum and verify virtual disks"};
  app.require_subcommand(1);
  std::string src, dst, checkpoint, interval = "1G";
  bool target_is_zero = false;
  CommonFlags flags;

  CLI::App* copy = app.add_subcommand("copy", "Copy SRC to DST (holes and zeroes are not read)");
  copy->add_option("SRC", src,
                   "Source: nbd://, nbd+unix://, https://, vddk://, a path or file:PATH")
      ->required();
  copy->add_option("DST", dst, "Target: a path, file:PATH, nbd://, nbd+unix:// or null:")
      ->required();
  copy->add_flag("--target-is-zero", target_is_zero,
                 "The target reads as zeroes: skip zero ranges");
  copy->add_option("--checkpoint", checkpoint,
                   "Resume record: written as the copy goes, read to resume");
  copy->add_option("--checkpoint-interval", interval,
                   "Bytes between checkpoints (suffixes K, M, G)")
      ->capture_default_str();
  add_tuning(copy, flags);
  add_progress_fd(copy, flags);

  add_stream_flags(copy, flags);
  add_source_flags(copy, flags, false);
  std::string extents, extents_file;
  copy->add_option(
      "--extents-file", extents_file,
      "https:// or vddk:// source: JSON [{\"offset\":N,\"length\":N},...] of where it holds "
      "data (CBT changeId *); it reads as zero elsewhere");
  CLI::App* sync =
      app.add_subcommand("sync", "Copy only the changed extents of SRC into DST (a top-up)");
  sync->add_option("SRC", src,
                   "Source: nbd://, nbd+unix://, https://, vddk://, a path or file:PATH")
      ->required();
  sync->add_option("DST", dst,
                   "Target holding an earlier copy: a path, nbd://, nbd+unix:// or mmt://")
      ->required();
  sync->add_option("--extents", extents,
                   "dirty-bitmap:NAME: the qemu dirty bitmap NAME exported by the NBD source");
  sync->add_option("--extents-file", extents_file,
                   "JSON [{\"offset\":N,\"length\":N},...] of changed byte ranges");
  sync->add_option("--checkpoint", checkpoint,
                   "Resume record: written as the sync goes, read to resume");
  sync->add_option("--checkpoint-interval", interval,
                   "Bytes between checkpoints (suffixes K, M, G)")
      ->capture_default_str();
  add_tuning(sync, flags);
  add_progress_fd(sync, flags);
  add_stream_flags(sync, flags);
  add_source_flags(sync, flags, false);

  ReceiveFlags receive_flags;
  CLI::App* receive = app.add_subcommand("receive", "Receive one disk sent to mmt://HOST:PORT");
  receive->add_option("--listen", receive_flags.listen, "HOST:PORT to listen on (port 0: any)")
      ->required();
  receive->add_option("--target", receive_flags.target, "File or block device to write")
      ->required();
  receive->add_option("--tls-cert", flags.tls_cert, "This receiver's certificate (PEM)")
      ->required();
  receive->add_option("--tls-key", flags.tls_key, "Its private key (PEM)")->required();
  receive->add_option("--trust", flags.trust, "SHA-256 fingerprint of the sender's certificate")
      ->required();
  receive->add_option("--checkpoint", receive_flags.checkpoint,
                      "Durable-progress record (default: TARGET.mmt-checkpoint)");
  receive->add_option("--stall-timeout", flags.stall_timeout,
                      "Close a connection silent this long and wait for the sender (default 60s; "
                      "0: never)");
  receive->add_option("--resume-timeout", receive_flags.resume_timeout,
                      "After a lost connection, give up (exit 4, checkpoint kept) if no sender "
                      "resumes within this (default 10m; 0: wait forever)");
  receive->add_flag("--json", flags.json, "Print one JSON object with the result");

  std::string cert;
  CLI::App* fingerprint = app.add_subcommand(
      "fingerprint", "Print the SHA-256 fingerprint of a certificate, as --trust takes it");
  fingerprint->add_option("CERT", cert, "Certificate (PEM)")->required();

  CLI::App* map = app.add_subcommand("map", "Show where SRC holds data and where it reads as zero");
  map->add_option("SRC", src, "Disk to map")->required();
  map->add_flag("--json", flags.json, "Print JSON");
  add_source_flags(map, flags, true);

  CLI::App* checksum =
      app.add_subcommand("checksum", "Print the disk digest of SRC (docs/digest.md)");
  checksum->add_option("SRC", src, "Disk to hash")->required();
  add_tuning(checksum, flags);
  add_source_flags(checksum, flags, true);

  CLI::App* verify = app.add_subcommand("verify", "Compare SRC and DST block by block");
  verify->add_option("SRC", src, "First disk")->required();
  verify->add_option("DST", dst, "Second disk")->required();
  add_tuning(verify, flags);
  add_source_flags(verify, flags, true);

  CLI::App* inspect = app.add_subcommand(
      "inspect", "Show what DISK holds: partition table, filesystems, firmware, guest OS");
  inspect
      ->add_option("DISK", src, "Disk to read: nbd://, nbd+unix://, https://, a path or file:PATH")
      ->required();
  inspect->add_flag("--json", flags.json, "Print one JSON object (docs/inspection.md)");
  add_source_flags(inspect, flags, true);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  if (*copy || *sync || *map || *checksum || *verify) reexec_for_vddk({src, dst}, argv);
  try {
    if (*copy) return do_copy(src, dst, flags, target_is_zero, checkpoint, interval, extents_file);
    if (*sync) return do_sync(src, dst, flags, extents, extents_file, checkpoint, interval);
    if (*receive) return do_receive(receive_flags, flags);
    if (*fingerprint) {
      printf("%s\n", mm::transfer::stream::certificate_fingerprint(cert).c_str());
      return 0;
    }
    if (*map) return do_map(src, flags);
    if (*checksum) return do_checksum(src, flags);
    if (*verify) return do_verify(src, dst, flags);
    if (*inspect) return do_inspect(src, flags);
  } catch (const mt::SizeArgError& e) {
    fprintf(stderr, "mm-transfer: %s\n", e.what());
    return 2;
  } catch (const mt::DurationArgError& e) {
    fprintf(stderr, "mm-transfer: %s\n", e.what());
    return 2;
  } catch (const mm::transfer::stream::ReceiveIncomplete& e) {
    fprintf(stderr, "mm-transfer: %s\n", e.what());
    return 4;
  } catch (const mt::CopyOptionsError& e) {
    fprintf(stderr, "mm-transfer: %s\n", e.what());
    return 2;
  } catch (const mt::UriError& e) {
    fprintf(stderr, "mm-transfer: %s\n", e.what());
    return 2;
  } catch (const UsageError& e) {
    fprintf(stderr, "mm-transfer: %s\n", e.what());
    return 2;
  } catch (const mt::ChangeSetUsageError& e) {
    fprintf(stderr, "mm-transfer: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    fprintf(stderr, "\nmm-transfer: %s\n", e.what());
    return 3;
  }
  return 2;
}
