#include "orchestrator/worker/report_parse.h"

#include <gtest/gtest.h>

namespace mm::worker {

TEST(ProgressLine, ReadsTheFigures) {
  const auto p = parse_progress_line(
      R"({"type":"progress","operation":"copy","phase":"transferring","bytes_done":1048576,)"
      R"("bytes_total":4194304,"bytes_per_second":2097152.5,"eta_seconds":1.5,"seconds":0.5})");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->phase, "transferring");
  EXPECT_EQ(p->bytes_done, 1048576u);
  EXPECT_EQ(p->bytes_total, 4194304u);
  EXPECT_DOUBLE_EQ(p->bytes_per_second, 2097152.5);
  ASSERT_TRUE(p->eta_seconds);
  EXPECT_DOUBLE_EQ(*p->eta_seconds, 1.5);
}

TEST(ProgressLine, UnknownEtaIsNull) {
  const auto p =
      parse_progress_line(R"({"type":"progress","phase":"starting","bytes_done":0,"bytes_total":0,)"
                          R"("bytes_per_second":0,"eta_seconds":null})");
  ASSERT_TRUE(p);
  EXPECT_FALSE(p->eta_seconds);
}

TEST(ProgressLine, RefusesAnythingElse) {
  for (
      const char* bad : {
          "",
          "not json",
          "[]",
          R"({"type":"report"})",
          R"({"type":"progress","phase":"x","bytes_done":-1,"bytes_total":0,"bytes_per_second":0})",
          R"({"type":"progress","phase":"x","bytes_done":"1","bytes_total":0,"bytes_per_second":0})",
          R"({"type":"progress","phase":1,"bytes_done":1,"bytes_total":0,"bytes_per_second":0})",
          R"({"type":"progress","phase":"x","bytes_done":1,"bytes_total":2,"bytes_per_second":0,)"
          R"("eta_seconds":"soon"})",
      }) {
    EXPECT_FALSE(parse_progress_line(bad)) << bad;
  }
}

TEST(FinalReport, ReadsACopyReport) {
  const std::string line =
      R"({"bytes_read":17760256,"bytes_skipped":15794176,"bytes_written":17760256,"bytes_zeroed":0,)"
      R"("digest":"cf742bc816c6b231daaa8f1689460c3d","reconnects":0,"resumed_from":4194304,)"
      R"("retries":2,"seconds":0.5,"size":33554432,"source":"s","target":"t",)"
      R"("throughput_bytes_per_second":64861304.9})";
  const auto r = parse_final_report(line);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->size, 33554432u);
  EXPECT_EQ(r->bytes_read, 17760256u);
  EXPECT_EQ(r->resumed_from, 4194304u);
  EXPECT_EQ(r->retries, 2u);
  EXPECT_EQ(r->digest, "cf742bc816c6b231daaa8f1689460c3d");
  EXPECT_EQ(r->report, line);
}

TEST(FinalReport, ASyncHasNoDigest) {
  const auto r = parse_final_report(
      R"({"size":100,"bytes_read":10,"bytes_changed":12,"digest":null,"change_set":"ab"})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->bytes_changed, 12u);
  EXPECT_EQ(r->digest, "");
}

TEST(FinalReport, RefusesWhatIsNotAReport) {
  for (const char* bad :
       {"", "copied 3 MiB", "{}", R"({"size":1})", R"({"size":1,"bytes_read":1,"digest":5})",
        R"({"size":1.5,"bytes_read":1})"}) {
    EXPECT_FALSE(parse_final_report(bad)) << bad;
  }
}

}  // namespace mm::worker
