// Compiles and runs arbitrary input as an include expression, loosely and strictly, against a
// fixed instance record. Any exception other than ExprError, any crash or sanitizer report, and
// any non-owned result are findings.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <nlohmann/json.hpp>

#include "orchestrator/expr/program.h"

namespace {

const nlohmann::json& record() {
  static const nlohmann::json r = nlohmann::json::parse(R"json({
    "name": "Win2016", "location": "/ha-datacenter/vm/Win2016", "source": "esxi01",
    "source_type": "vmware", "os": "windows",
    "os_version": "Windows Server 2016, 64-bit (Build 14393.693)", "os_type": "windows",
    "distribution": "Windows", "distribution_version": "2016", "cpus": 2,
    "memory": 4294967296, "architecture": "x86_64", "running": true,
    "background_import": true, "secure_boot": false, "legacy_boot": false, "tpm": false,
    "uuid": "52cfcb6b-20ee-add3-adc9-68c63ca9adfd", "description": "",
    "config": {"key": "value", "guestinfo.hostname": "win2016"},
    "disks": [{"name": "disk0", "capacity": 53687091200, "shared": false, "supported": true},
              {"name": "disk1", "capacity": 161061273600, "shared": true, "supported": false}],
    "nics": [{"hardware_address": "00:50:56:aa:bb:01", "network": "VMWARE",
              "ipv4_address": ["10.10.0.21"], "ipv6_address": []}],
    "snapshots": ["nightly"]
  })json");
  return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view src(reinterpret_cast<const char*>(data), size);
  try {
    auto p = mm::expr::Program::compile(src);
    auto v = p.run(record());
    (void)v.to_json().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    (void)mm::expr::format_value(v);
  } catch (const mm::expr::ExprError& e) {
    (void)mm::expr::caret_excerpt(src, e);
  }
  try {
    auto p = mm::expr::compile_include(src);
    (void)mm::expr::matches_instance(p, record());
  } catch (const mm::expr::ExprError&) {
  }
  return 0;
}
