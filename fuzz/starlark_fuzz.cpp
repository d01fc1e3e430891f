// Parses, resolves and runs arbitrary input as a Starlark module (with print) and as a placement
// script against a fixed instance, under small step, memory and call-depth budgets so that every
// input finishes quickly. Any exception other than StarlarkError, any crash, hang, out-of-memory
// or sanitizer report is a finding.
#include <cstddef>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "orchestrator/starlark/builtins.h"
#include "orchestrator/starlark/interpreter.h"
#include "orchestrator/starlark/placement.h"

namespace {

using namespace mm::starlark;

// Small budgets: a placement script that needs more than this is not what we are testing, and
// libFuzzer needs each input to finish in milliseconds.
Limits limits() {
  Limits l;
  l.max_steps = 20'000;
  l.max_memory = 8u << 20;
  l.max_call_depth = 30;
  return l;
}

const nlohmann::json& instance() {
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
              "ipv4_address": "10.10.0.21", "ipv6_address": ""}],
    "snapshots": ["nightly"]
  })json");
  return r;
}

const nlohmann::json& batch() {
  static const nlohmann::json b = {{"name", "batch01"},
                                   {"include_expression", "background_import"}};
  return b;
}

// The general interpreter, as the conformance test drives it: recursion is allowed here so
// that the call-depth limit is exercised too (placement scripts forbid it).
void run_module(const std::string& src) {
  Limits l = limits();
  l.allow_recursion = true;
  Heap heap(l.max_memory);
  Thread th(heap, l);
  std::size_t printed = 0;
  th.print = [&printed](const std::string& s) { printed += s.size(); };
  ResolveOptions o;
  o.allow_global_reassign = true;
  auto ast = compile_file(src, "fuzz.star", o);
  auto m = make_module(ast, [](const std::string&) { return Value(); });
  exec_module(th, *m);
}

void run_placement(const std::string& src) {
  auto s = PlacementScript::compile(src, "fuzz.star", limits());
  PlacementResult r = s.place(instance(), batch());
  (void)r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string src(reinterpret_cast<const char*>(data), size);
  try {
    run_module(src);
  } catch (const StarlarkError& e) {
    (void)e.what();
  }
  try {
    run_placement(src);
  } catch (const StarlarkError& e) {
    (void)e.what();
  }
  return 0;
}
