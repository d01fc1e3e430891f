// Fuzzes what a disk worker reads from its mm-transfer process: the pipe bytes split into lines,
// each read as a progress line and as a final report. Anything must parse or be refused (nullopt),
// never crash; a report accepted keeps the line it came from.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "orchestrator/worker/line_buffer.h"
#include "orchestrator/worker/report_parse.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  mm::worker::LineBuffer buf(4096);
  auto lines = buf.append(bytes);
  lines.push_back(buf.take_rest());
  for (const auto& line : lines) {
    (void)mm::worker::parse_progress_line(line);
    if (const auto r = mm::worker::parse_final_report(line)) {
      if (r->report != line) __builtin_trap();  // the record keeps the line as printed
    }
  }
  return 0;
}
