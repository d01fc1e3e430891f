// The daemon's API request bodies: arbitrary bytes as a source, target, certificate, instance
// override, network override or warning body (and as an include expression in a query), then
// through the whole router on an in-memory store holding one instance, network and warning.
// Anything but an ApiError from the parsers, a router answer that is not JSON, or a crash /
// sanitizer report is a finding.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/percent_encoding.h"
#include "orchestrator/api/api_error.h"
#include "orchestrator/api/certificate_json.h"
#include "orchestrator/api/instance_json.h"
#include "orchestrator/api/network_json.h"
#include "orchestrator/api/router.h"
#include "orchestrator/api/source_json.h"
#include "orchestrator/api/target_json.h"
#include "orchestrator/api/warning_json.h"

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

// One row of each inventory kind, so the override and warning routes reach their parsers.
std::string seed(mm::state::Store& store) {
  mm::state::SourceRecord s;
  s.name = "seed";
  s.endpoint = "https://seed";
  const auto src = store.create_source(s);
  mm::state::InstanceRecord i;
  i.uuid = "i1";
  i.source_id = src.id;
  i.inventory_path = "/dc/vm/i1";
  i.name = "i1";
  store.upsert_instance(i);
  mm::state::NetworkRecord n;
  n.uuid = "n1";
  n.source_id = src.id;
  n.identifier = "network-1";
  n.type = "standard";
  n.location = "/dc/network/n1";
  store.upsert_network(n);
  mm::state::WarningRecord w;
  w.scope = "sync";
  w.entity_type = "source";
  w.entity = "seed";
  w.type = "Instances partially imported";
  w.messages = {"m"};
  return store.record_warning(w, "2025-01-01T00:00:00Z").uuid;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  // The first byte picks the resource, the rest is the body.
  const uint8_t which = data[0] % 6;
  const std::string body(reinterpret_cast<const char*>(data + 1), size - 1);
  static auto store = mm::state::Store::in_memory();
  static mm::api::Router router(*store, {"fuzz", "0", "", ""});
  static const std::string warning_uuid = seed(*store);
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
    case 3:
      parse_or_api_error(
          [&] { (void)mm::inventory::to_json(mm::api::parse_instance_override(body)); });
      check_json(router.handle({"PUT", "/1.0/instances/i1/override", body, true}));
      check_json(router.handle({"GET", "/1.0/instances/i1", "", true}));
      // The body as an include expression on the instance list.
      check_json(router.handle(
          {"GET", "/1.0/instances?include_expression=" + mm::percent_encode(body), "", true}));
      break;
    case 4:
      parse_or_api_error([&] { (void)mm::api::parse_network_override(body); });
      check_json(router.handle({"PUT", "/1.0/networks/n1", body, true}));
      check_json(router.handle({"GET", "/1.0/networks?recursion=1", "", true}));
      break;
    case 5:
      parse_or_api_error([&] { (void)mm::api::parse_warning_status(body); });
      check_json(router.handle({"PUT", "/1.0/warnings/" + warning_uuid, body, true}));
      break;
    default:
      parse_or_api_error([&] { (void)mm::api::parse_certificate(body); });
      check_json(router.handle({"POST", "/1.0/certificates", body, true}));
      // The body as a cold migration and a preflight request (docs/cold-migration.md).
      check_json(router.handle({"POST", "/1.0/migrations", body, true}));
      check_json(router.handle({"POST", "/1.0/preflight", body, true}));
      // The body as a request target too: path and query decoding.
      check_json(router.handle({"GET", body, "", true}));
      break;
  }
  return 0;
}
