// Fuzzes the Incus reply parsers: any body is either an envelope or an IncusError naming what was
// wrong; the metadata of an envelope then goes through every object parser the client uses (each
// again parses or throws IncusError), and the text through the Go duration parser. Anything else
// thrown (nlohmann type errors, std::out_of_range ...) is a bug and aborts.
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include "common/go_duration.h"
#include "orchestrator/incus/envelope.h"
#include "orchestrator/incus/error.h"
#include "orchestrator/incus/resources.h"

namespace {

template <class F>
void tolerate(F f) {
  try {
    f();
  } catch (const mm::incus::IncusError&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    mm::format_go_duration(mm::parse_go_duration(text));
  } catch (const std::invalid_argument&) {
  }
  mm::incus::Reply reply;
  try {
    reply = mm::incus::parse_reply(text, 200);
  } catch (const mm::incus::IncusError&) {
    return 0;
  }
  tolerate([&] { mm::incus::throw_if_error(reply); });
  const auto& m = reply.metadata;
  using namespace mm::incus;
  tolerate([&] { parse_operation(m); });
  tolerate([&] { operation_id(reply.operation); });
  tolerate([&] { parse_server(m); });
  tolerate([&] { parse_names(m); });
  tolerate([&] { parse_list(m, &parse_project); });
  tolerate([&] { parse_list(m, &parse_storage_pool); });
  tolerate([&] { parse_list(m, &parse_network); });
  tolerate([&] { parse_list(m, &parse_volume); });
  tolerate([&] { parse_list(m, &parse_instance); });
  tolerate([&] { parse_instance(m); });
  tolerate([&] { parse_volume(m); });
  return 0;
}
