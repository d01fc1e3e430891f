// The edit path: '#' header stripping, YAML read against a schema, and the editor loop that
// reopens on an error with the user's text kept.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli/edit_schemas.h"
#include "cli/editor.h"
#include "cli/yaml_input.h"
#include "tests/cli/testdata_util.h"

namespace mm::cli {
namespace {

using K = YamlField::Kind;

const std::vector<YamlField>& kNetwork = network_override_schema();
const std::vector<YamlField>& kOverride = instance_override_schema();

TEST(Editor, HeaderLinesAreStripped) {
  const std::string text = mm::test::testdata("network_edit.txt");
  EXPECT_EQ(strip_comment_lines(text),
            "\nnetwork: \"incusbr0\"\nnictype: \"managed\"\nvlan_id: \"\"\n");
  EXPECT_EQ(strip_comment_lines("#a\nb: 1\n  # indented stays\n#last"),
            "b: 1\n  # indented stays\n");
}

TEST(Editor, DocumentsNetworkEditReadsAsTheOverride) {
  const Json j =
      yaml_to_json(strip_comment_lines(mm::test::testdata("network_edit.txt")), kNetwork);
  EXPECT_EQ(j.dump(), R"({"network":"incusbr0","nictype":"managed","vlan_id":""})");
  // A number where a string is expected is taken as its text, as yaml.v3 does.
  EXPECT_EQ(yaml_to_json("vlan_id: 10\n", kNetwork).dump(), R"({"vlan_id":"10"})");
}

TEST(Editor, DocumentsInstanceOverrideEditReadsAsTheOverride) {
  const Json j = yaml_to_json(strip_comment_lines(mm::test::testdata("instance_override_edit.txt")),
                              kOverride);
  EXPECT_EQ(j["comment"], "Override OS and OS version (no VMware guest agent)");
  EXPECT_EQ(j["disable_migration"], false);
  EXPECT_EQ(j["properties"]["os"], "Ubuntu");
  EXPECT_EQ(j["properties"]["os_version"], "Ubuntu 24.04 (Noble)");
  EXPECT_EQ(j["properties"]["cpus"], 0);
  EXPECT_TRUE(j["properties"]["config"].is_object());
  EXPECT_EQ(j["last_update"], "2025-11-18T23:53:11.068675129Z");
}

TEST(Editor, MistakesNameTheField) {
  auto message = [](const std::string& yaml, const std::vector<YamlField>& schema) {
    try {
      yaml_to_json(yaml, schema);
    } catch (const EditError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(message("nic: x\n", kNetwork), "unknown field \"nic\"");
  EXPECT_EQ(message("properties:\n    cpus: many\n", kOverride),
            "field \"properties.cpus\": \"many\" is not a number");
  EXPECT_EQ(message("disable_migration: perhaps\n", kOverride),
            "field \"disable_migration\": \"perhaps\" is not true or false");
  EXPECT_EQ(message("- a\n- b\n", kNetwork), "the document must be a YAML mapping");
  EXPECT_NE(message("network: [unclosed\n", kNetwork), "no error");
  EXPECT_EQ(yaml_to_json("", kNetwork).dump(), "{}");
}

TEST(Editor, ReopensWithTheUsersTextAfterAnError) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("mm-editor-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string script = (dir / "ed.sh").string();
  // First round: the user adds a bad value; second round: they fix it. Each round is recorded.
  std::ofstream(script) << "d=" << dir.string() << "\n"
                        << "n=$(cat $d/count 2>/dev/null || echo 0)\n"
                        << "echo $((n+1)) > $d/count\n"
                        << "cp \"$1\" $d/seen$n\n"
                        << "if [ $n = 0 ]; then sed -i 's/^nictype: .*/nictype: bogus/' \"$1\";\n"
                        << "else sed -i 's/bogus/bridged/' \"$1\"; fi\n";
  ::setenv("VISUAL", ("sh " + script).c_str(), 1);

  std::istringstream in("\n");  // the Enter that reopens the editor
  std::ostringstream out, err;
  Context ctx(in, out, err, true);
  Json applied;
  int rounds = 0;
  edit_yaml(ctx, "### header", "network: incusbr0\nnictype: managed\nvlan_id: \"\"\n",
            [&](const std::string& text) {
              ++rounds;
              Json j = yaml_to_json(text, kNetwork);
              if (j["nictype"] == "bogus") throw EditError("field \"nictype\": must be one of ...");
              applied = j;
            });
  ::unsetenv("VISUAL");
  EXPECT_EQ(rounds, 2);
  EXPECT_EQ(applied.dump(), R"({"network":"incusbr0","nictype":"bridged","vlan_id":""})");
  std::ifstream first(dir / "seen0"), second(dir / "seen1");
  std::stringstream a, b;
  a << first.rdbuf();
  b << second.rdbuf();
  EXPECT_EQ(a.str(), "### header\n\nnetwork: incusbr0\nnictype: managed\nvlan_id: \"\"\n");
  EXPECT_EQ(b.str(), "### header\n\nnetwork: incusbr0\nnictype: bogus\nvlan_id: \"\"\n");
  EXPECT_EQ(err.str(), "Config parsing error: field \"nictype\": must be one of ...\n");
  EXPECT_EQ(out.str(), "Press enter to open the editor again or ctrl+c to abort change");
  std::filesystem::remove_all(dir);
}

TEST(Editor, WithoutATerminalTheYamlComesFromStdin) {
  std::istringstream in("### header\nnetwork: br0\n");
  std::ostringstream out, err;
  Context ctx(in, out, err, false);
  Json applied;
  edit_yaml(ctx, "### header", "unused",
            [&](const std::string& text) { applied = yaml_to_json(text, kNetwork); });
  EXPECT_EQ(applied.dump(), R"({"network":"br0"})");
}

}  // namespace
}  // namespace mm::cli
