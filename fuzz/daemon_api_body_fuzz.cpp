// The daemon's API request bodies: arbitrary bytes as a source, target or certificate body, then
// through the whole router (POST and PUT) on an in-memory store. Anything but an ApiError from the
// parsers, a router answer that is not JSON, or a crash / sanitizer report is a finding.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "orchestrator/api/api_error.h"
#include "orchestrator/api/certificate_json.h"
#include "orchestrator/api/router.h"
#include "orchestrator/api/source_json.h"
#include "orchestrator/api/target_json.h"

namespace {

template <class F>
void parse_or_api_error(F&& f) {
  try {
    f();
  } catch (const mm::api::ApiError&) {
    // Rejected input: the expected outcome for most of the corpus.
  }
}

void check_json(const mm::api::Response& r) {
  if (!nlohmann::json::accept(r.body)) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  // The first byte picks the resource, the rest is the body.
  const uint8_t which = data[0] % 3;
  const std::string body(reinterpret_cast<const char*>(data + 1), size - 1);
  static auto store = mm::state::Store::in_memory();
  static mm::api::Router router(*store, {"fuzz", "0", "", ""});
  // Keep the store small so a long run measures the parsers, not an ever-growing table.
  if (store->list_sources().size() > 256) {
    for (const auto& s : store->list_sources()) store->delete_source(s.name);
  }
  if (store->list_targets().size() > 256) {
    for (const auto& t : store->list_targets()) store->delete_target(t.name);
  }

  switch (which) {
    case 0:
      parse_or_api_error([&] { (void)mm::api::source_to_json(mm::api::parse_source(body)); });
      check_json(router.handle({"POST", "/1.0/sources", body, true}));
      check_json(router.handle({"PUT", "/1.0/sources/a", body, true}));
      break;
    case 1:
      parse_or_api_error([&] { (void)mm::api::target_to_json(mm::api::parse_target(body)); });
      check_json(router.handle({"POST", "/1.0/targets", body, true}));
      check_json(router.handle({"PUT", "/1.0/targets/a", body, true}));
      break;
    default:
      parse_or_api_error([&] { (void)mm::api::parse_certificate(body); });
      check_json(router.handle({"POST", "/1.0/certificates", body, true}));
      // The body as a request target too: path and query decoding.
      check_json(router.handle({"GET", body, "", true}));
      break;
  }
  return 0;
}
