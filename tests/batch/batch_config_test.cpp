// Batches as YAML and JSON: the documents' batches read and written back byte for byte, the
// defaults, every rule with the line it reports, and the time and duration forms.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "orchestrator/batch/batch_json.h"
#include "orchestrator/batch/batch_validate.h"
#include "orchestrator/batch/batch_yaml.h"
#include "orchestrator/batch/window_time.h"

namespace mm::batch {
namespace {

using namespace std::chrono_literals;

std::string testdata(const std::string& name) {
  std::ifstream in(std::string(MM_SOURCE_DIR) + "/tests/batch/testdata/" + name);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TimePoint at(const char* text) {
  auto t = parse_window_time(text);
  EXPECT_TRUE(t) << text;
  return t.value_or(TimePoint{});
}

// The message parse_batch_yaml throws for `yaml`, or "" when it parses.
std::string error_of(const std::string& yaml) {
  try {
    (void)parse_batch_yaml(yaml);
  } catch (const BatchError& e) {
    return e.what();
  }
  return "";
}

const char* kHead = "name: b\ninclude_expression: \"true\"\n";

TEST(BatchYaml, Document000RoundTrips) {
  const std::string text = testdata("000_batch01.yaml");
  const BatchConfig b = parse_batch_yaml(text);
  EXPECT_EQ(b.name, "batch01");
  EXPECT_EQ(b.include_expression,
            "(location matches 'Win2016' or location matches 'CentOS') and len(disks) == 1");
  ASSERT_EQ(b.migration_windows.size(), 1u);
  EXPECT_EQ(b.migration_windows[0].name, "window1");
  EXPECT_EQ(b.migration_windows[0].start, at("2025-12-01T01:00:00Z"));
  EXPECT_EQ(b.migration_windows[0].end - b.migration_windows[0].start, 10min);
  EXPECT_FALSE(is_set(b.migration_windows[0].lockout));
  EXPECT_TRUE(b.constraints.empty());
  EXPECT_EQ(b.placement, (PlacementDefaults{"incus01", "default", "default"}));
  EXPECT_EQ(b.migration_network, nlohmann::json::array());
  EXPECT_EQ(b.post_migration_retries, 5);
  EXPECT_EQ(b.background_sync_interval, 1h);
  EXPECT_EQ(b.final_background_sync_limit, 10min);
  EXPECT_EQ(batch_to_yaml(b), text);
}

TEST(BatchYaml, Document001BatchesRoundTrip) {
  const std::string one = testdata("001_batch01.yaml");
  const BatchConfig b1 = parse_batch_yaml(one);
  ASSERT_EQ(b1.migration_windows.size(), 2u);
  EXPECT_EQ(b1.migration_windows[1].end, at("2025-12-01 03:00:00"));
  ASSERT_EQ(b1.constraints.size(), 1u);
  EXPECT_EQ(b1.constraints[0].include_expression, "background_import == false");
  EXPECT_EQ(b1.constraints[0].min_instance_boot_time, 1h);
  EXPECT_EQ(b1.constraints[0].max_concurrent_instances, 0);
  EXPECT_EQ(b1.placement_scriptlet,
            "def placement(instance, batch):\n    if instance.os_version.startswith(\"CentOS\"):\n"
            "        set_target(\"incus02\")\n");
  EXPECT_EQ(b1.final_background_sync_limit, 1h);
  EXPECT_EQ(batch_to_yaml(b1), one);

  const std::string two = testdata("001_batch02.yaml");
  const BatchConfig b2 = parse_batch_yaml(two);
  EXPECT_EQ(b2.include_expression, "background_import");
  EXPECT_EQ(b2.constraints[0].max_concurrent_instances, 1);
  EXPECT_EQ(b2.constraints[0].description, "Migrate esxi01 VMs one at a time");
  EXPECT_EQ(b2.background_sync_interval, 30min);
  EXPECT_EQ(batch_to_yaml(b2), two);
}

TEST(BatchYaml, Document001SecondEditHasAnUnbalancedParenthesis) {
  // The document's second edit of batch01 opens a parenthesis it never closes: refused, pointing
  // at line 2; with the parenthesis removed its overrides are read (comments and all).
  std::string text = testdata("001_batch01_edit2.yaml");
  const std::string err = error_of(text);
  EXPECT_EQ(err.rfind("line 2: include_expression: invalid expression: ", 0), 0u) << err;
  text.replace(text.find("\"(location"), 10, "\"location");
  const BatchConfig b = parse_batch_yaml(text);
  EXPECT_TRUE(b.instance_restriction_overrides.allow_no_ipv4);
  EXPECT_TRUE(b.instance_restriction_overrides.allow_no_background_import);
  EXPECT_FALSE(b.instance_restriction_overrides.allow_unknown_os);
  EXPECT_TRUE(b.constraints.empty());
}

TEST(BatchYaml, DefaultsForEveryMissingField) {
  const BatchConfig b = parse_batch_yaml(kHead);
  BatchConfig expected;
  expected.name = "b";
  expected.include_expression = "true";
  EXPECT_EQ(b, expected);
  EXPECT_EQ(b.post_migration_retries, 5);
  EXPECT_EQ(b.background_sync_interval, 1h);
  EXPECT_EQ(b.final_background_sync_limit, 10min);
  EXPECT_EQ(b.placement.target_project, "default");
  EXPECT_EQ(b.placement.storage_pool, "default");
  EXPECT_FALSE(b.rerun_scriptlets);
  // Null sections and empty project/pool fall back too; an empty duration means "never".
  const BatchConfig n = parse_batch_yaml(std::string(kHead) +
                                         "constraints:\ndefaults:\n    placement:\n"
                                         "        target_project: \"\"\nconfig:\n"
                                         "    background_sync_interval: \"\"\n");
  EXPECT_TRUE(n.constraints.empty());
  EXPECT_EQ(n.placement.target_project, "default");
  EXPECT_EQ(n.background_sync_interval, 0ns);
}

TEST(BatchYaml, EveryFieldRoundTrips) {
  BatchConfig b;
  b.name = "all: fields";
  b.include_expression = "os == \"Ubuntu\" and cpus > 1";
  b.migration_windows = {
      {"w1", at("2025-12-01 01:00:00"), at("2025-12-01 03:00:00"), at("2025-12-01 02:30:00"), 3},
      {"true", at("2025-12-02T01:00:00.25Z"), at("2025-12-02 02:00:00"), TimePoint{}, 0},
      {"open", TimePoint{}, TimePoint{}, TimePoint{}, 0}};
  b.constraints = {{"c1", "# not a comment", "cpus > 4", 2, 90min + 5s},
                   {"c2", "", "true", 0, 250ms}};
  b.placement = {"incus02", "proj", "pool02"};
  b.migration_network = nlohmann::json::array({{{"network", "br0"},
                                                {"nictype", "bridged"},
                                                {"vlan_id", "10"},
                                                {"target", "incus02"},
                                                {"target_project", "proj"}}});
  b.rerun_scriptlets = true;
  b.placement_scriptlet = "def placement(instance, batch):\n\n    set_target(\"incus02\")";
  b.post_migration_retries = 0;
  b.instance_restriction_overrides = {true, true, true};
  b.background_sync_interval = 0ns;
  b.final_background_sync_limit = 1h + 1ns;
  const std::string yaml = batch_to_yaml(b);
  EXPECT_EQ(parse_batch_yaml(yaml), b) << yaml;
  EXPECT_NE(yaml.find("    lockout: 2025-12-01 02:30:00\n    capacity: 3\n"), std::string::npos);
  EXPECT_NE(yaml.find("  - name: \"true\"\n    start: 2025-12-02 01:00:00.25\n"),
            std::string::npos);
  EXPECT_NE(yaml.find("min_instance_boot_time: 1h30m5s\n"), std::string::npos);
  EXPECT_NE(yaml.find("placement_scriptlet: |-\n"), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("      - network: br0\n        nictype: bridged\n"), std::string::npos);
  // And through JSON.
  EXPECT_EQ(batch_from_json(batch_to_json(b)), b);
}

struct Bad {
  std::string yaml;
  std::string message;
};

TEST(BatchYaml, EveryRuleNamesFieldAndLine) {
  const std::string w = std::string(kHead) + "migration_windows:\n  - name: w\n";  // lines 3-4
  const std::vector<Bad> cases = {
      {w + "    start: 2025-12-01 01:00:00\n    end: 2025-13-01 01:00:00\n",
       "line 6: migration_windows[0].end: \"2025-13-01 01:00:00\" is not a time (expected "
       "YYYY-MM-DD HH:MM:SS)"},
      {w + "    start: 2025-12-01 01:00:00\n    end: 2025-12-01 00:59:59\n",
       "line 6: migration_windows[0].end: must be after start"},
      {w + "    start: 2025-12-01 01:00:00\n    end: 2025-12-01 02:00:00\n"
           "    lockout: 2025-12-01 02:00:01\n",
       "line 7: migration_windows[0].lockout: must be between start and end"},
      {w + "    start: 2025-12-01 01:00:00\n    lockout: 2025-12-01 00:00:00\n",
       "line 6: migration_windows[0].lockout: must be between start and end"},
      {w + "    capacity: -1\n", "line 5: migration_windows[0].capacity: must not be negative"},
      {w + "    capacity: many\n",
       "line 5: migration_windows[0].capacity: \"many\" is not an integer"},
      {w + "  - name: w\n", "line 5: migration_windows[1].name: duplicate window name \"w\""},
      {w + "  - start: 2025-12-01 01:00:00\n",
       "line 5: migration_windows[1].name: must not be empty"},
      {w + "    colour: red\n", "line 5: migration_windows[0].colour: unknown field \"colour\""},
      {std::string(kHead) + "colour: red\n", "line 3: colour: unknown field \"colour\""},
      {std::string(kHead) + "name: c\n", "line 3: name: duplicate field \"name\""},
      {std::string(kHead) + "migration_windows: 5\n", "line 3: migration_windows: must be a list"},
      {std::string(kHead) + "constraints:\n  - name: c\n    include_expression: cpus > 1\n"
                            "  - name: c\n    include_expression: cpus > 2\n",
       "line 6: constraints[1].name: duplicate constraint name \"c\""},
      {std::string(kHead) + "constraints:\n  - name: c\n",
       "line 4: constraints[0].include_expression: must not be empty (use \"true\" to match every "
       "instance)"},
      {std::string(kHead) + "constraints:\n  - name: c\n    include_expression: \"true\"\n"
                            "    max_concurrent_instances: -2\n",
       "line 6: constraints[0].max_concurrent_instances: must not be negative"},
      {std::string(kHead) + "constraints:\n  - name: c\n    include_expression: \"true\"\n"
                            "    min_instance_boot_time: -1h\n",
       "line 6: constraints[0].min_instance_boot_time: must not be negative"},
      {std::string(kHead) + "constraints:\n  - name: c\n    include_expression: \"true\"\n"
                            "    min_instance_boot_time: an hour\n",
       "line 6: constraints[0].min_instance_boot_time: \"an hour\" is not a duration (e.g. 1h, "
       "30m, 1h30m)"},
      {std::string(kHead) + "defaults:\n    placement:\n        pool: x\n",
       "line 5: defaults.placement.pool: unknown field \"pool\""},
      {std::string(kHead) + "defaults:\n    migration_network:\n      - network: br0\n"
                            "        vlan: 10\n",
       "line 6: defaults.migration_network[0].vlan: unknown field \"vlan\""},
      {std::string(kHead) + "config:\n    post_migration_retries: -1\n",
       "line 4: config.post_migration_retries: must not be negative"},
      {std::string(kHead) + "config:\n    rerun_scriptlets: maybe\n",
       "line 4: config.rerun_scriptlets: \"maybe\" is not true or false"},
      {std::string(kHead) + "config:\n    retries: 3\n",
       "line 4: config.retries: unknown field \"retries\""},
      {std::string(kHead) + "config:\n    background_sync_interval: 1 hour\n",
       "line 4: config.background_sync_interval: \"1 hour\" is not a duration (e.g. 1h, 30m, "
       "1h30m)"},
      {std::string(kHead) + "config:\n    final_background_sync_limit: -10m\n",
       "line 4: config.final_background_sync_limit: must not be negative"},
      {std::string(kHead) + "config:\n    instance_restriction_overrides:\n"
                            "        allow_unknown_os: true\n        allow_no_ipv6: true\n",
       "line 6: config.instance_restriction_overrides.allow_no_ipv6: unknown field "
       "\"allow_no_ipv6\""},
      {"include_expression: \"true\"\n", "name: is required"},
      {"name: \"\"\ninclude_expression: \"true\"\n", "line 1: name: must not be empty"},
      {"name: a/b\ninclude_expression: \"true\"\n",
       "line 1: name: \"a/b\" is not a valid batch name"},
      {"name: b\n", "include_expression: must not be empty (use \"true\" to match every instance)"},
      {"- a\n", "line 1: the document must be a YAML mapping"},
      {"", "the document is empty"},
  };
  for (const Bad& c : cases) EXPECT_EQ(error_of(c.yaml), c.message) << c.yaml;
}

TEST(BatchYaml, ExpressionAndScriptletErrorsPointIntoTheDocument) {
  std::string err = error_of("name: b\ninclude_expression: \"locaton matches 'x'\"\n");
  EXPECT_EQ(err.rfind("line 2: include_expression: invalid expression: unknown name 'locaton'", 0),
            0u)
      << err;
  EXPECT_NE(err.find("(column 1)"), std::string::npos) << err;
  err =
      error_of(std::string(kHead) + "constraints:\n  - name: c\n    include_expression: cpus >\n");
  EXPECT_EQ(err.rfind("line 5: constraints[0].include_expression: invalid expression: ", 0), 0u)
      << err;
  // The scriptlet's own line 3 is the document's line 7 (its block starts on line 5).
  err = error_of(std::string(kHead) +
                 "config:\n    placement_scriptlet: |\n        def placement(instance, batch):\n"
                 "            pass\n        no_such_function()\n");
  EXPECT_EQ(err.rfind("line 7: config.placement_scriptlet: invalid scriptlet: ", 0), 0u) << err;
  err = error_of(std::string(kHead) + "config:\n    placement_scriptlet: \"x = 1\"\n");
  EXPECT_EQ(err.rfind("line 4: config.placement_scriptlet: invalid scriptlet: ", 0), 0u) << err;
  EXPECT_NE(err.find("placement"), std::string::npos) << err;
}

TEST(BatchYaml, SyntaxErrorsCarryTheirLine) {
  const std::string err = error_of(std::string(kHead) + "migration_windows:\n  - name: [w\n");
  EXPECT_EQ(err.rfind("line ", 0), 0u) << err;
  EXPECT_NE(err.find("invalid YAML"), std::string::npos) << err;
}

TEST(BatchJson, DocumentBatchesRoundTripWithReferenceFieldNames) {
  for (const char* file : {"000_batch01.yaml", "001_batch01.yaml", "001_batch02.yaml"}) {
    const BatchConfig b = parse_batch_yaml(testdata(file));
    const nlohmann::json j = batch_to_json(b);
    EXPECT_EQ(batch_from_json(j), b) << file;
    EXPECT_EQ(batch_from_json_text(j.dump()), b) << file;
  }
  const nlohmann::json j = batch_to_json(parse_batch_yaml(testdata("001_batch01.yaml")));
  EXPECT_EQ(j["migration_windows"][0], (nlohmann::json{{"name", "window1"},
                                                       {"start", "2025-12-01T01:00:00Z"},
                                                       {"end", "2025-12-01T01:10:00Z"},
                                                       {"lockout", "0001-01-01T00:00:00Z"},
                                                       {"capacity", 0}}));
  EXPECT_EQ(j["constraints"][0]["min_instance_boot_time"], "1h0m0s");
  EXPECT_EQ(j["defaults"]["placement"]["target"], "incus01");
  EXPECT_EQ(j["defaults"]["migration_network"], nlohmann::json::array());
  EXPECT_EQ(j["config"]["post_migration_retries"], 5);
  EXPECT_EQ(j["config"]["instance_restriction_overrides"]["allow_no_ipv4"], false);
  EXPECT_EQ(j["config"]["background_sync_interval"], "1h0m0s");
}

TEST(BatchJson, StrictAboutNamesAndTypes) {
  auto err = [](const std::string& body) -> std::string {
    try {
      (void)batch_from_json_text(body);
    } catch (const BatchError& e) {
      return e.what();
    }
    return "";
  };
  EXPECT_EQ(err(R"({"name":"b","colour":1})"), "colour: unknown field \"colour\"");
  EXPECT_EQ(err(R"({"config":{"post_migration_retries":"5"}})"),
            "config.post_migration_retries: must be an integer");
  EXPECT_EQ(err(R"({"migration_windows":[{"start":"2025-12-01"}]})"),
            "migration_windows[0].start: \"2025-12-01\" is not a time (expected RFC 3339, e.g. "
            "2025-12-01T01:00:00Z)");
  EXPECT_EQ(err("[1]"), "the body must be a JSON object");
  EXPECT_EQ(err("{"), "the body is not valid JSON");
  // The read-only members of api.Batch may be echoed back.
  EXPECT_EQ(err(R"({"name":"b","status":"Running","status_message":"","start_date":""})"), "");
  // Offsets are converted to UTC.
  const BatchConfig b = batch_from_json_text(
      R"({"migration_windows":[{"name":"w","start":"2025-12-01T03:00:00+02:00"}]})");
  EXPECT_EQ(b.migration_windows[0].start, at("2025-12-01 01:00:00"));
}

TEST(WindowTime, FormsAndGoString) {
  EXPECT_EQ(at("2025-12-01 01:00:00"), at("2025-12-01T01:00:00Z"));
  EXPECT_EQ(at("2025-12-01t01:00:00z"), at("2025-12-01T01:00:00Z"));
  EXPECT_EQ(at("2025-12-01T00:00:00-01:30"), at("2025-12-01 01:30:00"));
  EXPECT_EQ(at("2025-12-01 01:00:00.5") - at("2025-12-01 01:00:00"), 500ms);
  for (const char* bad :
       {"2025-13-01 01:00:00", "2025-02-30 01:00:00", "2025-12-01 24:00:00", "2025-12-01T01:00:00",
        "2025-12-01 01:00", "2025-12-01 01:00:00Zx", "1969-12-31 23:59:59", "9999-01-01 00:00:00",
        "2025-12-01 01:00:00.", ""}) {
    EXPECT_FALSE(parse_window_time(bad)) << bad;
  }
  EXPECT_EQ(format_window_time(at("2025-12-01 01:00:00")), "2025-12-01 01:00:00 +0000 UTC");
  EXPECT_EQ(format_window_time(at("2025-11-18T23:47:23.992054737Z")),
            "2025-11-18 23:47:23.992054737 +0000 UTC");
  EXPECT_EQ(format_window_time(at("2025-11-18T23:47:23.5Z")), "2025-11-18 23:47:23.5 +0000 UTC");
  EXPECT_EQ(format_rfc3339(at("2025-12-01 01:00:00")), "2025-12-01T01:00:00Z");
  EXPECT_EQ(format_window_time_yaml(at("2025-12-01T01:00:00Z")), "2025-12-01 01:00:00");
}

TEST(ShortDuration, DocumentForms) {
  EXPECT_EQ(format_short_duration(1h), "1h");
  EXPECT_EQ(format_short_duration(10min), "10m");
  EXPECT_EQ(format_short_duration(30min), "30m");
  EXPECT_EQ(format_short_duration(90min), "1h30m");
  EXPECT_EQ(format_short_duration(1500ms), "1s500ms");
  EXPECT_EQ(format_short_duration(0ns), "0s");
  EXPECT_EQ(format_short_duration(-5s), "-5s");
}

}  // namespace
}  // namespace mm::batch
