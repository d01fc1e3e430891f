#pragma once
// One Incus lab for the whole flow test binary (incusd takes seconds to start).
#include <gtest/gtest.h>

#include <memory>

#include "orchestrator/incus/client.h"
#include "tests/support/incus_lab.h"

namespace mm::test {

class LabEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    try {
      lab = std::make_unique<IncusLab>();
    } catch (const std::exception& e) {
      FAIL() << "Incus lab: " << e.what();
    }
  }
  void TearDown() override { lab.reset(); }
  static inline std::unique_ptr<IncusLab> lab;
  // Deletes every instance on the lab: a test leaves it as it found it.
  static void clean();
};

inline void LabEnvironment::clean() {
  incus::IncusClient ic(lab->endpoint());
  for (const auto& inst : ic.instances("default")) {
    try {
      if (inst.status == "Running") ic.stop_instance("default", inst.name, true);
      ic.delete_instance("default", inst.name);
    } catch (const std::exception&) {
    }
  }
}

}  // namespace mm::test
