#pragma once
// Questions on the terminal the way the reference CLI asks them: the question on stdout, the
// answer one line from stdin (tty or not), an empty answer taking the default shown in brackets,
// invalid answers explained on stderr and asked again. End of input is an error, never a default.
#include <cstdint>
#include <functional>
#include <istream>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

namespace mm::cli {

struct PromptEof : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class Asker {
 public:
  using Validator = std::function<void(const std::string&)>;  // throws std::exception to refuse

  // `echo_off` hides password answers (only meaningful when `in` is the terminal).
  Asker(std::istream& in, std::ostream& out, std::ostream& err, bool terminal = false);

  std::string ask_string(const std::string& question, const std::string& def = "",
                         const Validator& validate = nullptr);
  bool ask_bool(const std::string& question, const std::string& def);
  std::string ask_choice(const std::string& question, const std::vector<std::string>& choices,
                         const std::string& def);
  int64_t ask_int(const std::string& question, int64_t min, int64_t max, const std::string& def);
  // Read once, without echo on a terminal.
  std::string ask_password(const std::string& question);

 private:
  std::string read_answer(const std::string& question, const std::string& def);
  void invalid(const std::string& why);
  std::istream& in_;
  std::ostream& out_;
  std::ostream& err_;
  bool terminal_;
};

}  // namespace mm::cli
