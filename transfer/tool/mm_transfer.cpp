// mm-transfer: copy, map, checksum and verify disks (NBD exports, files, block devices).
// Exit status: 0 success, 1 verify found differences, 2 bad usage, 3 the transfer failed.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "transfer/copier.h"
#include "transfer/endpoint_io.h"
#include "transfer/event_loop.h"
#include "transfer/tool/progress_display.h"
#include "transfer/tool/size_arg.h"
#include "transfer/verifier.h"

namespace mt = mm::transfer;

namespace {

struct CommonFlags {
  unsigned connections = 4;
  unsigned requests = 16;
  std::string request_size = "256K";
  bool progress = false;
  bool json = false;
};

void add_tuning(CLI::App* cmd, CommonFlags& f) {
  cmd->add_option("--connections", f.connections,
                  "NBD connections when the server allows several (multi-conn)")
      ->capture_default_str();
  cmd->add_option("--requests", f.requests, "Requests in flight per connection")
      ->capture_default_str();
  cmd->add_option("--request-size", f.request_size,
                  "Bytes per request, a multiple of 64K (suffixes K, M)")
      ->capture_default_str();
  cmd->add_flag("--progress", f.progress, "Show progress (a bar on a terminal)");
  cmd->add_flag("--json", f.json, "Print one JSON object with the result");
}

mt::CopyOptions copy_options(const CommonFlags& f) {
  mt::CopyOptions o;
  o.connections = f.connections;
  o.requests = f.requests;
  o.request_size = mt::parse_size_arg(f.request_size, "--request-size");
  o.on_notice = [](const std::string& n) { fprintf(stderr, "mm-transfer: %s\n", n.c_str()); };
  return o;
}

nlohmann::json report_json(const mt::CopyReport& r, const std::string& src, const std::string& dst) {
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
            bool target_is_zero, const std::string& checkpoint, const std::string& interval) {
  mt::CopyOptions o = copy_options(f);
  o.target_is_zero = target_is_zero;
  o.checkpoint_path = checkpoint;
  o.checkpoint_interval_bytes = mt::parse_size_arg(interval, "--checkpoint-interval");
  mt::ProgressDisplay display("copy");
  if (f.progress) o.on_progress = [&](const mt::CopyProgress& p) { display.update(p); };
  const mt::CopyReport r = mt::run_copy(mt::parse_endpoint(src), mt::parse_endpoint(dst), o);
  if (f.progress) display.finish();
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

int do_checksum(const std::string& src, const CommonFlags& f) {
  mt::CopyOptions o = copy_options(f);
  mt::ProgressDisplay display("checksum");
  if (f.progress) o.on_progress = [&](const mt::CopyProgress& p) { display.update(p); };
  const mt::CopyReport r = mt::run_copy(mt::parse_endpoint(src), mt::parse_endpoint("null:"), o);
  if (f.progress) display.finish();
  if (f.json) {
    std::cout << nlohmann::json{{"source", src}, {"size", r.size}, {"digest", r.digest},
                                {"bytes_read", r.bytes_read}, {"seconds", r.seconds}}
                     .dump()
              << std::endl;
  } else {
    printf("%s  %s\n", r.digest.c_str(), src.c_str());
  }
  return 0;
}

int do_map(const std::string& src, bool json) {
  mt::EventLoop loop(64);
  auto reader = mt::open_source(mt::parse_endpoint(src), loop, {1, 1});
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
      extents.push_back({{"offset", r.offset}, {"length", r.length}, {"type", r.zero ? "zero" : "data"}});
    }
    std::cout << nlohmann::json{{"source", src}, {"size", reader->size()}, {"extents", extents}}.dump()
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
  const mt::VerifyReport r = mt::run_verify(mt::parse_endpoint(a), mt::parse_endpoint(b), o);
  if (f.progress) display.finish();
  uint64_t differing = 0;
  for (const auto& m : r.mismatches) differing += m.length;
  if (f.json) {
    nlohmann::json ranges = nlohmann::json::array();
    for (const auto& m : r.mismatches) ranges.push_back({{"offset", m.offset}, {"length", m.length}});
    std::cout << nlohmann::json{{"identical", r.identical()}, {"size_a", r.size_a},
                                {"size_b", r.size_b}, {"bytes_compared", r.bytes_compared},
                                {"bytes_skipped", r.bytes_skipped}, {"bytes_differing", differing},
                                {"mismatches", ranges}, {"seconds", r.seconds}}
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

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"mm-transfer: copy, map, checksum and verify virtual disks"};
  app.require_subcommand(1);
  std::string src, dst, checkpoint, interval = "1G";
  bool target_is_zero = false;
  CommonFlags flags;

  CLI::App* copy = app.add_subcommand("copy", "Copy SRC to DST (holes and zeroes are not read)");
  copy->add_option("SRC", src, "Source: nbd://, nbd+unix://, a path or file:PATH")->required();
  copy->add_option("DST", dst, "Target: a path, file:PATH, nbd://, nbd+unix:// or null:")->required();
  copy->add_flag("--target-is-zero", target_is_zero, "The target reads as zeroes: skip zero ranges");
  copy->add_option("--checkpoint", checkpoint, "Resume record: written as the copy goes, read to resume");
  copy->add_option("--checkpoint-interval", interval, "Bytes between checkpoints (suffixes K, M, G)")
      ->capture_default_str();
  add_tuning(copy, flags);

  CLI::App* map = app.add_subcommand("map", "Show where SRC holds data and where it reads as zero");
  map->add_option("SRC", src, "Disk to map")->required();
  map->add_flag("--json", flags.json, "Print JSON");

  CLI::App* checksum = app.add_subcommand("checksum", "Print the disk digest of SRC (docs/digest.md)");
  checksum->add_option("SRC", src, "Disk to hash")->required();
  add_tuning(checksum, flags);

  CLI::App* verify = app.add_subcommand("verify", "Compare SRC and DST block by block");
  verify->add_option("SRC", src, "First disk")->required();
  verify->add_option("DST", dst, "Second disk")->required();
  add_tuning(verify, flags);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  try {
    if (*copy) return do_copy(src, dst, flags, target_is_zero, checkpoint, interval);
    if (*map) return do_map(src, flags.json);
    if (*checksum) return do_checksum(src, flags);
    if (*verify) return do_verify(src, dst, flags);
  } catch (const mt::SizeArgError& e) {
    fprintf(stderr, "mm-transfer: %s\n", e.what());
    return 2;
  } catch (const mt::CopyOptionsError& e) {
    fprintf(stderr, "mm-transfer: %s\n", e.what());
    return 2;
  } catch (const mt::UriError& e) {
    fprintf(stderr, "mm-transfer: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    fprintf(stderr, "\nmm-transfer: %s\n", e.what());
    return 3;
  }
  return 2;
}
