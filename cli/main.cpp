// migration-manager: the command line client of migration-managerd. Parses the command, runs it,
// and turns every failure into one line on stderr and exit status 1 (never a stack trace).
#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <iostream>

#include "cli/commands.h"

int main(int argc, char** argv) {
  using namespace mm::cli;
  ::signal(SIGPIPE, SIG_IGN);
  Context ctx(std::cin, std::cout, std::cerr, ::isatty(STDIN_FILENO) == 1);

  CLI::App app("Command line client for migration manager", "migration-manager");
  app.require_subcommand(1);
  app.add_flag("--force-local", ctx.force_local, "Force using the local unix socket");
  app.set_version_flag("--version", MM_VERSION);
  add_artifact_commands(app, ctx);
  add_batch_commands(app, ctx);
  add_instance_commands(app, ctx);
  add_network_commands(app, ctx);
  add_migrate_commands(app, ctx);
  add_preflight_commands(app, ctx);
  add_queue_commands(app, ctx);
  add_remote_commands(app, ctx);
  add_source_commands(app, ctx);
  add_target_commands(app, ctx);
  add_warning_commands(app, ctx);

  try {
    app.parse(argc, argv);
    std::cout.flush();
    return 0;
  } catch (const CLI::Success& e) {  // --help, --version
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cout.flush();
    std::cerr << "Error: " << e.what() << "\nRun with --help for more information.\n";
    return 1;
  } catch (const UsageError& e) {
    std::cout.flush();
    std::cerr << "Error: " << e.what() << "\nRun with --help for more information.\n";
    return 1;
  } catch (const PlainError& e) {
    std::cout.flush();
    if (*e.what()) std::cerr << e.what() << "\n";
    return 1;
  } catch (const PromptEof& e) {
    std::cout.flush();
    std::cerr << "Error: " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cout.flush();
    std::cerr << "Error: " << e.what() << "\n";
    return 1;
  }
}
