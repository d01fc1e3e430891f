// The documents' batch commands with the real migration-manager binary against a real
// migration-managerd whose state dir holds the documents' inventory (written before it starts):
// add, edit (YAML on stdin), show, info, start, list, stop, reset, remove with their exact output;
// and the interactive editor loop, in-process, reopening on a mistake at the line the user sees.
#include <gtest/gtest.h>

#include <stdlib.h>
#include <sys/stat.h>
#include <chrono>
#include <thread>

#include <fstream>
#include <sstream>

#include "cli/commands.h"
#include "orchestrator/state/store.h"
#include "tests/batch/doc_inventory.h"
#include "tests/daemon/daemon_fixture.h"

namespace mm::test {
namespace {

const char* kHeader =
    "### This is a YAML representation of batch configuration.\n"
    "### Any line starting with a '# will be ignored.\n"
    "###\n\n";

std::string testdata(const std::string& name) {
  return read_text(std::string(MM_SOURCE_DIR) + "/tests/batch/testdata/" + name);
}

std::string sh_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

class BatchCli : public ::testing::Test {
 protected:
  void start(void (*load)(state::Store&)) {
    state_ = tmp_.file("state");
    load(*state::Store::open_dir(state_));
    daemon_ = std::make_unique<Daemon>(tmp_, state_);
  }

  CommandResult run(const std::string& args, const std::string& input = "") {
    const std::string in = tmp_.file("stdin-" + std::to_string(n_++));
    std::ofstream(in, std::ios::binary) << input;
    return run_command("MIGRATION_MANAGER_SOCKET=" + sh_quote(daemon_->socket()) +
                       " MIGRATION_MANAGER_CONF=" + sh_quote(tmp_.file("conf")) + " " +
                       MM_BINARY_DIR + "/bin/migration-manager " + args + " < " + in);
  }

  void expect_out(const std::string& args, const std::string& out, const std::string& input = "") {
    const CommandResult r = run(args, input);
    EXPECT_EQ(r.exit_code, 0) << args << ": " << r.err;
    EXPECT_EQ(r.out, out) << args;
  }

  // The daemon's scheduler takes a started batch from Queued to Running at its next tick.
  void wait_running(const std::string& batch) {
    for (int i = 0; i < 100; ++i) {
      if (run("batch list -f csv").out.find(batch + ",Running,") != std::string::npos) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ADD_FAILURE() << batch << " never became Running";
  }

  TempDir tmp_;
  std::string state_;
  std::unique_ptr<Daemon> daemon_;
  int n_ = 0;
};

TEST_F(BatchCli, Document000) {
  start(load_doc_inventory_000);
  expect_out("batch add batch01", "Successfully added new batch \"batch01\".\n");
  // A new batch: the reference CLI's defaults, on the first target.
  CommandResult r = run("batch show batch01");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("name: batch01\ninclude_expression: \"false\"\nmigration_windows: []\n", 0),
            0u)
      << r.out;
  EXPECT_NE(r.out.find("        target: incus01\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("status: Defined\n"), std::string::npos) << r.out;
  expect_out("batch info batch01", "Matched Instances:\n\nQueued Instances:\n");

  const std::string yaml = testdata("000_batch01.yaml");
  expect_out("batch edit batch01", "", kHeader + yaml);
  r = run("batch show batch01");
  EXPECT_EQ(r.out.substr(0, yaml.size()), yaml);
  expect_out("batch info batch01",
             "Matched Instances:\n"
             "  - /ha-datacenter/vm/CentOS 9 UEFI\n"
             "  - /ha-datacenter/vm/Win2016\n"
             "\n"
             "Queued Instances:\n");

  // Mistakes name the line as the editor shows it (the header counts).
  std::string bad = yaml;
  bad.replace(bad.find("end: 2025-12-01 01:10:00"), 24, "end: 2025-13-01 01:10:00");
  r = run("batch edit batch01", kHeader + bad);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err,
            "Error: line 10: migration_windows[0].end: \"2025-13-01 01:10:00\" is not a time "
            "(expected YYYY-MM-DD HH:MM:SS)\n");

  expect_out("batch start batch01", "Successfully started batch \"batch01\".\n");
  wait_running("batch01");
  r = run("batch list");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("| batch01 | Running | Running       | incus01 | default | default      | "
                       "(location matches 'Win2016' or location matches 'CentOS') and len(disks) "
                       "== 1 | 1                 |"),
            std::string::npos)
      << r.out;
  std::string changed = yaml;
  changed.replace(changed.find("'Win2016'"), 9, "'Suse'");
  changed.replace(changed.find("len(disks) == 1"), 15, "len(disks) == 2");
  r = run("batch edit batch01", changed);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err,
            "Error: include_expression: cannot be changed once the batch has started (status "
            "Running); reset the batch first\n");
  r = run("batch remove batch01");
  EXPECT_EQ(r.err, "Error: batch \"batch01\" is Running: stop it first\n");
  expect_out("batch stop batch01", "Successfully stopped batch \"batch01\".\n");
  expect_out("batch reset batch01", "Successfully reset batch \"batch01\".\n");
  expect_out("batch edit batch01", "", changed);
  expect_out("batch info batch01",
             "Matched Instances:\n  - /ha-datacenter/vm/SuseUEFI\n\nQueued Instances:\n");
  expect_out("batch remove batch01", "Successfully removed batch \"batch01\".\n");
  r = run("batch show batch01");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "Error: batch \"batch01\" not found\n");
}

TEST_F(BatchCli, Document001) {
  start(load_doc_inventory_001);
  for (const char* b : {"batch01", "batch02"}) {
    expect_out(std::string("batch add ") + b,
               std::string("Successfully added new batch \"") + b + "\".\n");
    expect_out(std::string("batch edit ") + b, "",
               kHeader + testdata(std::string("001_") + b + ".yaml"));
  }
  // The documents list the same instances in their own `instance list` order; ours is by path.
  expect_out("batch info batch01",
             "Matched Instances:\n"
             "  - /vc01/vm/Incus migrations/Cent OS 9 UEFI\n"
             "  - /vc01/vm/Incus migrations/Debian Bookworm\n"
             "  - /vc01/vm/Incus migrations/Ubuntu 2404\n"
             "\n"
             "Queued Instances:\n");
  expect_out("batch info batch02",
             "Matched Instances:\n"
             "  - /ha-datacenter/vm/SuseUEFI\n"
             "  - /ha-datacenter/vm/Win2016\n"
             "  - /vc01/vm/Incus migrations/Cent OS 9 UEFI\n"
             "  - /vc01/vm/Incus migrations/Ubuntu 2404\n"
             "  - /vc01/vm/other/CentOS9\n"
             "\n"
             "Queued Instances:\n");
  expect_out("batch start batch01", "Successfully started batch \"batch01\".\n");
  // The document's second edit leaves a parenthesis open: refused at its line.
  const CommandResult r = run("batch edit batch01", kHeader + testdata("001_batch01_edit2.yaml"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err.rfind("Error: line 6: include_expression: invalid expression: ", 0), 0u) << r.err;
  expect_out("batch start batch02", "Successfully started batch \"batch02\".\n");
  wait_running("batch01");
  wait_running("batch02");
  expect_out(
      "batch list -f csv",
      "batch01,Running,Running,incus01,default,default,location matches '/Incus migrations/' "
      "and source == 'vcenter01',2\n"
      "batch02,Running,Running,incus01,default,default,background_import,2\n");
}

TEST_F(BatchCli, EditorReopensOnAMistakeAtItsLine) {
  start(load_doc_inventory_000);
  expect_out("batch add batch01", "Successfully added new batch \"batch01\".\n");
  // An editor that first writes a window ending before it starts, then the document's batch.
  const std::string good = tmp_.file("good.yaml"), bad = tmp_.file("bad.yaml");
  std::string bad_yaml = testdata("000_batch01.yaml");
  bad_yaml.replace(bad_yaml.find("end: 2025-12-01 01:10:00"), 24, "end: 2025-12-01 00:10:00");
  std::ofstream(good) << kHeader << testdata("000_batch01.yaml");
  std::ofstream(bad) << kHeader << bad_yaml;
  const std::string script = tmp_.file("editor.sh");
  std::ofstream(script) << "#!/bin/sh\nn=$(cat " << tmp_.file("count")
                        << " 2>/dev/null || echo 0)\n"
                        << "n=$((n+1)); echo $n > " << tmp_.file("count") << "\n"
                        << "cp \"$1\" " << tmp_.file("seen") << "$n\n"
                        << "if [ $n = 1 ]; then cp " << bad << " \"$1\"; else cp " << good
                        << " \"$1\"; fi\n";
  ::chmod(script.c_str(), 0755);
  ::setenv("EDITOR", script.c_str(), 1);
  ::unsetenv("VISUAL");
  ::setenv("MIGRATION_MANAGER_SOCKET", daemon_->socket().c_str(), 1);
  ::setenv("MIGRATION_MANAGER_CONF", tmp_.file("conf").c_str(), 1);

  std::istringstream in("\n");
  std::ostringstream out, err;
  cli::Context ctx(in, out, err, /*stdin_terminal=*/true);
  CLI::App app;
  cli::add_batch_commands(app, ctx);
  const char* argv[] = {"migration-manager", "batch", "edit", "batch01"};
  app.parse(4, const_cast<char**>(argv));

  EXPECT_EQ(err.str(),
            "Config parsing error: line 10: migration_windows[0].end: must be after "
            "start\n");
  EXPECT_EQ(out.str(), "Press enter to open the editor again or ctrl+c to abort change");
  const std::string first = read_text(tmp_.file("seen1"));
  EXPECT_EQ(first.rfind(kHeader + std::string("name: batch01\ninclude_expression: \"false\"\n"), 0),
            0u)
      << first;
  EXPECT_EQ(read_text(tmp_.file("seen2")), kHeader + bad_yaml);  // the user's text comes back
  expect_out("batch info batch01",
             "Matched Instances:\n  - /ha-datacenter/vm/CentOS 9 UEFI\n"
             "  - /ha-datacenter/vm/Win2016\n\nQueued Instances:\n");
}

}  // namespace
}  // namespace mm::test
