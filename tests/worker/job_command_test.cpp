#include "orchestrator/worker/job_command.h"

#include <gtest/gtest.h>

#include <stdexcept>

#include "orchestrator/worker/worker_status.h"

namespace mm::worker {

using Args = std::vector<std::string>;

TEST(JobCommand, ACopy) {
  DiskJob j;
  j.source = "nbd+unix:///?socket=/run/s.sock";
  j.target = "/var/lib/disk.img";
  j.checkpoint = "/var/lib/disk.cp";
  j.extra_args = {"--connections", "2"};
  j.mm_transfer_path = "/usr/bin/mm-transfer";
  EXPECT_EQ(job_arguments(j),
            (Args{"/usr/bin/mm-transfer", "copy", "nbd+unix:///?socket=/run/s.sock",
                  "/var/lib/disk.img", "--json", "--progress-fd", "3", "--checkpoint",
                  "/var/lib/disk.cp", "--connections", "2"}));
}

TEST(JobCommand, ASyncTakesItsExtentsFile) {
  DiskJob j;
  j.operation = TransferOperation::kSync;
  j.source = "src.img";
  j.target = "dst.img";
  j.mm_transfer_path = "mm-transfer";
  EXPECT_THROW(job_arguments(j), std::invalid_argument);
  j.extents_file = "changed.json";
  EXPECT_EQ(job_arguments(j), (Args{"mm-transfer", "sync", "src.img", "dst.img", "--json",
                                    "--progress-fd", "3", "--extents-file", "changed.json"}));
}

TEST(JobCommand, AJobWithoutItsPartsIsRefused) {
  DiskJob j;
  j.source = "a";
  j.target = "b";
  EXPECT_THROW(job_arguments(j), std::invalid_argument);  // no binary
  j.mm_transfer_path = "mm-transfer";
  j.source.clear();
  EXPECT_THROW(job_arguments(j), std::invalid_argument);
}

TEST(JobCommand, EnvironmentAdditionsReplaceSameNames) {
  DiskJob j;
  j.environment = {{"MM_HTTP_COOKIE", "vmware_soap_session=\"x\""}, {"NEW", "1"}};
  const char* base[] = {"PATH=/bin", "MM_HTTP_COOKIE=old", "HOME=/root", nullptr};
  EXPECT_EQ(job_environment(j, base),
            (Args{"PATH=/bin", "HOME=/root", "MM_HTTP_COOKIE=vmware_soap_session=\"x\"", "NEW=1"}));
}

TEST(WorkerState, Names) {
  EXPECT_STREQ(state_name(WorkerState::kRestarting), "restarting");
  EXPECT_TRUE(is_final(WorkerState::kCanceled));
  EXPECT_FALSE(is_final(WorkerState::kRunning));
}

}  // namespace mm::worker
