#include "orchestrator/starlark/error.h"

namespace mm::starlark {

static std::string format_error(const std::string& file, Position pos, const std::string& msg) {
  return file + ":" + std::to_string(pos.line) + ":" + std::to_string(pos.col) + ": " + msg;
}

StarlarkError::StarlarkError(std::string file, Position pos, std::string message,
                             std::string unsupported)
    : std::runtime_error(format_error(file, pos, message)),
      file_(std::move(file)),
      pos_(pos),
      message_(std::move(message)),
      unsupported_(std::move(unsupported)) {}

void fail_unsupported(const std::string& feature) {
  throw EvalError("unsupported feature: " + feature, feature);
}

}  // namespace mm::starlark
