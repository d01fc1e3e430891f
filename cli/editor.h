#pragma once
// `edit` commands: the YAML goes to $VISUAL / $EDITOR (else editor, vi, emacs or nano) in a
// private temporary file under a '#' header; what comes back, with every line starting with '#'
// removed, is handed to a callback that validates and applies it. When that fails the error is
// shown and, after Enter, the editor opens again on the user's own text. Without a terminal on
// stdin the YAML is read from stdin instead and an error is final, as the reference CLI does.
#include <functional>
#include <string>

#include "cli/context.h"

namespace mm::cli {

// A problem with the edited text that the user can fix in the editor.
struct EditError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::string strip_comment_lines(const std::string& text);
std::string editor_command();  // throws when none is found
// Writes `content` to a 0600 temporary .yaml file, runs the editor on it, returns the result.
std::string run_editor(const std::string& content);

// `apply` gets the text without comment lines; it throws EditError (or ServerError 400) for
// mistakes worth another round in the editor.
void edit_yaml(Context& ctx, const std::string& header, const std::string& yaml,
               const std::function<void(const std::string&)>& apply);

}  // namespace mm::cli
