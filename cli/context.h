#pragma once
// What every command needs: the streams, the asker, the CLI configuration and a client for the
// daemon the user chose (the local unix socket unless a remote is the default), plus the error
// types main() turns into messages and exit codes.
#include <iostream>
#include <optional>
#include <stdexcept>
#include <string>

#include "cli/client.h"
#include "cli/config.h"
#include "cli/prompt.h"

namespace mm::cli {

// A mistake in the command line: printed with the usage hint, exit 1.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A failure whose message is printed as is (no "Error: " prefix), exit 1: the reference CLI's
// "Successfully added new source ..., but ..." lines.
struct PlainError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Context {
  Context(std::istream& in, std::ostream& out, std::ostream& err, bool stdin_terminal);

  std::istream& in;
  std::ostream& out;
  std::ostream& err;
  bool stdin_terminal;
  Asker asker;
  bool force_local = false;
  std::string config_dir;

  Config& config();  // loaded on first use
  Client client();   // the default remote, or the local socket

 private:
  std::optional<Config> config_;
};

// "Invalid SHA256 fingerprint" unless empty or 64 hex digits (colons allowed).
void validate_sha256(const std::string& s);
// Lower-case hex, colons removed.
std::string canonical_fingerprint(const std::string& s);

}  // namespace mm::cli
