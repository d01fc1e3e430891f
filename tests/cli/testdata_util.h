#pragma once
// Reading the document excerpts in tests/cli/testdata (also used by tests/replay).
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace mm::test {

inline std::string testdata(const std::string& name) {
  std::ifstream in(std::string(MM_SOURCE_DIR) + "/tests/cli/testdata/" + name, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream ss(text);
  std::string line;
  while (std::getline(ss, line)) out.push_back(line);
  return out;
}

// `text` with every occurrence of each key replaced by its value (the document's endpoints,
// fingerprints and paths by the ones of the servers under test).
inline std::string substitute(std::string text, const std::map<std::string, std::string>& subst) {
  for (const auto& [from, to] : subst) {
    for (size_t p = text.find(from); p != std::string::npos; p = text.find(from, p + to.size())) {
      text.replace(p, from.size(), to);
    }
  }
  return text;
}

// A prompt excerpt ("$ command", question lines, the final message) split into what the user
// typed and what the CLI printed: prompts keep their trailing space and lose the answer, as a
// piped stdin is not echoed.
struct Transcript {
  std::string input;
  std::string prompts;
  std::string final_line;
};

inline Transcript transcript(const std::string& text) {
  Transcript t;
  const auto lines = lines_of(text);
  for (size_t i = 1; i + 1 < lines.size(); ++i) {  // line 0 is the command, the last the message
    const std::string& line = lines[i];
    std::string prompt, answer;
    if (line.back() == ':') {
      prompt = line + " ";
    } else {
      const size_t at = line.rfind(": ");
      prompt = line.substr(0, at + 2);
      answer = line.substr(at + 2);
    }
    t.prompts += prompt;
    t.input += answer + "\n";
  }
  t.final_line = lines.back();
  return t;
}

}  // namespace mm::test
