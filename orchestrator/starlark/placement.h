// Placement scriptlets: a Starlark script defining placement(instance, batch) that chooses the
// target, project, storage pools and networks of one instance, as in the reference tool.
#pragma once

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "orchestrator/starlark/error.h"
#include "orchestrator/starlark/evaluator.h"

namespace mm::starlark {

struct NetworkPlacement {
  std::string network;
  std::string nictype;  // managed, bridged or physical
  std::string vlan;     // empty when none
  bool operator==(const NetworkPlacement&) const = default;
};

enum class LogLevel { Info, Warn, Error };

struct LogLine {
  LogLevel level;
  std::string message;
  bool operator==(const LogLine&) const = default;
};

struct PlacementResult {
  std::optional<std::string> target;
  std::optional<std::string> project;
  std::map<std::string, std::string> pools;                // disk name -> storage pool
  std::map<std::string, NetworkPlacement> networks;        // NIC hardware address -> network
  std::vector<LogLine> log;
};

class PlacementScript {
 public:
  // Throws StarlarkError (syntax, undefined names, missing placement function, top-level errors).
  static PlacementScript compile(std::string source, std::string filename = "placement.star",
                                 Limits limits = {});

  // Runs placement(instance, batch). Thread-safe: each call has its own heap and budget.
  // Throws StarlarkError.
  PlacementResult place(const nlohmann::json& instance, const nlohmann::json& batch) const;

  const std::string& filename() const { return filename_; }

 private:
  PlacementScript() = default;
  std::string filename_;
  Limits limits_;
  std::shared_ptr<Heap> heap_;  // module values (frozen)
  std::shared_ptr<Module> module_;
  Value placement_;
};

}  // namespace mm::starlark
