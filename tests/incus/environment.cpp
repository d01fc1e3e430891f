// One private incusd for the whole integration binary (see tests/support/incus_server.h).
#include "tests/support/incus_server.h"

namespace {
[[maybe_unused]] auto* const g_env =
    ::testing::AddGlobalTestEnvironment(new mm::test::IncusEnvironment);
}  // namespace
