#include "orchestrator/worker/line_buffer.h"

namespace mm::worker {

std::vector<std::string> LineBuffer::append(std::string_view bytes) {
  std::vector<std::string> lines;
  while (!bytes.empty()) {
    const size_t nl = bytes.find('\n');
    const std::string_view piece = bytes.substr(0, nl);
    if (partial_.size() < max_line_) {
      partial_.append(piece.substr(0, max_line_ - partial_.size()));
    }
    if (nl == std::string_view::npos) break;
    lines.push_back(std::move(partial_));
    partial_.clear();
    bytes.remove_prefix(nl + 1);
  }
  return lines;
}

std::string LineBuffer::take_rest() {
  std::string rest = std::move(partial_);
  partial_.clear();
  return rest;
}

}  // namespace mm::worker
