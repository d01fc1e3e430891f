// Secrets at rest: AES-256-GCM round trips, tampering and the wrong context are detected, and the
// key file is created owner-only and refused when it is not.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "orchestrator/state/secret_box.h"
#include "tests/support/servers.h"

namespace mm::state {
namespace {

TEST(SecretBox, RoundTripAndFreshNonce) {
  SecretBox box = SecretBox::ephemeral();
  const auto a = box.seal("hunter2", "ctx");
  const auto b = box.seal("hunter2", "ctx");
  EXPECT_NE(a, b);  // random nonce: equal passwords do not give equal ciphertexts
  EXPECT_EQ(box.open(a, "ctx"), "hunter2");
  EXPECT_EQ(box.open(box.seal("", "ctx"), "ctx"), "");
}

TEST(SecretBox, TamperWrongContextWrongKeyFail) {
  SecretBox box = SecretBox::ephemeral();
  auto blob = box.seal("hunter2", "ctx");
  EXPECT_THROW(box.open(blob, "other"), SecretError);
  EXPECT_THROW(SecretBox::ephemeral().open(blob, "ctx"), SecretError);
  blob[blob.size() / 2] ^= 1;
  EXPECT_THROW(box.open(blob, "ctx"), SecretError);
  EXPECT_THROW(box.open({1, 2, 3}, "ctx"), SecretError);
}

TEST(SecretBox, KeyFileIsOwnerOnlyAndStable) {
  test::TempDir dir;
  const std::string path = dir.file("secret.key");
  const auto blob = SecretBox::from_key_file(path).seal("pw", "ctx");
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(st.st_size, 32);
  EXPECT_EQ(SecretBox::from_key_file(path).open(blob, "ctx"), "pw");  // same key on reload
  ::chmod(path.c_str(), 0644);
  EXPECT_THROW(SecretBox::from_key_file(path), SecretError);
}

TEST(SecretBox, ShortKeyFileIsRefused) {
  test::TempDir dir;
  const std::string path = dir.file("secret.key");
  std::ofstream(path) << "short";
  ::chmod(path.c_str(), 0600);
  EXPECT_THROW(SecretBox::from_key_file(path), SecretError);
}

}  // namespace
}  // namespace mm::state
