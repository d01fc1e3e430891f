#pragma once
// One Incus lab for the whole flow test binary (incusd takes seconds to start).
#include <gtest/gtest.h>

#include <memory>

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
};

}  // namespace mm::test
