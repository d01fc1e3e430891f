#include "cli/prompt.h"

#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>

namespace mm::cli {
namespace {

std::string trim(const std::string& s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return s.substr(b, e - b);
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

}  // namespace

Asker::Asker(std::istream& in, std::ostream& out, std::ostream& err, bool terminal)
    : in_(in), out_(out), err_(err), terminal_(terminal) {}

std::string Asker::read_answer(const std::string& question, const std::string& def) {
  out_ << question << std::flush;
  std::string line;
  if (!std::getline(in_, line)) {
    // A line cut short by the end of input is not an answer the user confirmed.
    out_ << "\n" << std::flush;
    throw PromptEof("Unexpected end of input while waiting for an answer");
  }
  line = trim(line);
  return line.empty() ? def : line;
}

void Asker::invalid(const std::string& why) {
  err_ << "Invalid input: " << why << "\n\n" << std::flush;
}

std::string Asker::ask_string(const std::string& question, const std::string& def,
                              const Validator& validate) {
  for (;;) {
    const std::string answer = read_answer(question, def);
    if (validate) {
      try {
        validate(answer);
        return answer;
      } catch (const PromptEof&) {
        throw;
      } catch (const std::exception& e) {
        invalid(e.what());
        continue;
      }
    }
    if (!answer.empty()) return answer;
    err_ << "Invalid input, try again.\n\n" << std::flush;
  }
}

bool Asker::ask_bool(const std::string& question, const std::string& def) {
  for (;;) {
    const std::string answer = lower(read_answer(question, def));
    if (answer == "yes" || answer == "y") return true;
    if (answer == "no" || answer == "n") return false;
    invalid("please answer yes or no");
  }
}

std::string Asker::ask_choice(const std::string& question, const std::vector<std::string>& choices,
                              const std::string& def) {
  for (;;) {
    const std::string answer = read_answer(question, def);
    if (std::find(choices.begin(), choices.end(), answer) != choices.end()) return answer;
    std::string list;
    for (const auto& c : choices) list += (list.empty() ? "" : ", ") + c;
    invalid("must be one of " + list);
  }
}

int64_t Asker::ask_int(const std::string& question, int64_t min, int64_t max,
                       const std::string& def) {
  for (;;) {
    const std::string answer = read_answer(question, def);
    size_t used = 0;
    int64_t v = 0;
    try {
      v = std::stoll(answer, &used, 10);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == 0 || used != answer.size()) {
      invalid("\"" + answer + "\" is not a number");
      continue;
    }
    if ((min != -1 && v < min) || (max != -1 && v > max)) {
      invalid("out of range");
      continue;
    }
    return v;
  }
}

std::string Asker::ask_password(const std::string& question) {
  out_ << question << std::flush;
  termios old{};
  const bool hide = terminal_ && ::tcgetattr(STDIN_FILENO, &old) == 0;
  if (hide) {
    termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  }
  std::string line;
  const bool ok = static_cast<bool>(std::getline(in_, line));
  if (hide) {
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
    out_ << "\n" << std::flush;  // the user's Enter was not echoed
  }
  if (!ok) {
    out_ << "\n" << std::flush;
    throw PromptEof("Unexpected end of input while waiting for an answer");
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

}  // namespace mm::cli
