// Value formatting (sizes, Go time strings) and the YAML writer against the documents.
#include <gtest/gtest.h>

#include "cli/format.h"
#include "tests/cli/testdata_util.h"

namespace mm::cli {
namespace {

TEST(Format, IecSizesAsTheDocumentShowsThem) {
  EXPECT_EQ(iec_size(4LL << 30), "4.00GiB");
  EXPECT_EQ(iec_size(6LL << 30), "6.00GiB");
  EXPECT_EQ(iec_size(512), "512B");
  EXPECT_EQ(iec_size(1536), "1.50KiB");
  EXPECT_EQ(iec_size(0), "0B");
}

TEST(Format, GoTimeString) {
  EXPECT_EQ(go_time_string("2025-11-18T23:47:23.992054737Z"),
            "2025-11-18 23:47:23.992054737 +0000 UTC");
  EXPECT_EQ(go_time_string("2025-11-18T23:47:23.990000000Z"), "2025-11-18 23:47:23.99 +0000 UTC");
  EXPECT_EQ(go_time_string("2025-11-18T23:47:23Z"), "2025-11-18 23:47:23 +0000 UTC");
  EXPECT_EQ(go_time_string("2025-11-18T23:47:23+02:00"), "2025-11-18 23:47:23 +0200 +0200");
  EXPECT_EQ(go_time_string("not a date"), "not a date");
}

TEST(Format, WarningYamlAsTheDocument) {
  const Json w = {
      {"status", "new"},
      {"uuid", "c2841bda-fe78-41c1-974d-c760dddb074b"},
      {"scope", {{"scope", "sync"}, {"entity_type", "source"}, {"entity", "esxi01"}}},
      {"type", "Instance migration is restricted"},
      {"first_seen_date", "2025-11-18T23:11:02.106883349Z"},
      {"last_seen_date", "2025-11-18T23:47:23.991697571Z"},
      {"updated_date", "2025-11-18T23:47:23.991759082Z"},
      {"messages",
       {"\"/vc01/vm/Incus migrations/Ubuntu 2404\": Could not determine instance OS, check if "
        "guest agent is running",
        "\"/vc01/vm/Incus migrations/Debian Bookworm\": Background import is not supported"}},
      {"count", 12}};
  // The command adds the blank line of Go's Println.
  EXPECT_EQ(to_yaml(w) + "\n", mm::test::testdata("warning_show.txt"));
}

TEST(Format, YamlQuotesOnlyWhereNeeded) {
  const Json v = {{"empty", ""},
                  {"word", "true"},
                  {"num", "10"},
                  {"plain", "a b"},
                  {"colon", "a: b"},
                  {"hash", "#x"},
                  {"quote", "it's"},
                  {"map", Json::object()},
                  {"list", Json::array()},
                  {"null", nullptr},
                  {"script", "line1\nline2\n"},
                  {"seq", {{{"a", 1}, {"b", 2}}}}};
  EXPECT_EQ(to_yaml(v),
            "empty: \"\"\n"
            "word: \"true\"\n"
            "num: \"10\"\n"
            "plain: a b\n"
            "colon: 'a: b'\n"
            "hash: '#x'\n"
            "quote: it's\n"
            "map: {}\n"
            "list: []\n"
            "\"null\": null\n"
            "script: |\n"
            "    line1\n"
            "    line2\n"
            "seq:\n"
            "    - a: 1\n"
            "      b: 2\n");
}

}  // namespace
}  // namespace mm::cli
