// dict_check.cpp: checks that every line of the given libFuzzer dictionaries is blank, a
// comment, or name="value" with a non-empty value whose escapes (\\, \", \xNN) are valid,
// so that a typo never silently drops a token.
// Usage: dict_check FILE.dict...
#include <cctype>
#include <cstdio>
#include <fstream>
#include <string>

namespace {

// token_length decodes the quoted value of one dictionary line; -1 if it is ill-formed.
int token_length(const std::string& line) {
  const auto open = line.find('"');
  if (open == std::string::npos || line.back() != '"' || open + 1 >= line.size() - 1) return -1;
  int length = 0;
  for (std::size_t i = open + 1; i < line.size() - 1; ++i, ++length) {
    if (line[i] == '"') return -1;
    if (line[i] != '\\') continue;
    const char e = line[++i];
    if (e == '\\' || e == '"') continue;
    if (e != 'x' || i + 2 >= line.size() - 1 || !std::isxdigit(static_cast<unsigned char>(line[i + 1])) ||
        !std::isxdigit(static_cast<unsigned char>(line[i + 2]))) {
      return -1;
    }
    i += 2;
  }
  return length;
}

}  // namespace

int main(int argc, char** argv) {
  int status = 0;
  for (int a = 1; a < argc; ++a) {
    std::ifstream in(argv[a]);
    if (!in) {
      std::fprintf(stderr, "dict_check: cannot read %s\n", argv[a]);
      status = 1;
      continue;
    }
    std::string line;
    int number = 0;
    int tokens = 0;
    while (std::getline(in, line)) {
      ++number;
      const auto first = line.find_first_not_of(" \t");
      if (first == std::string::npos || line[first] == '#') continue;
      if (token_length(line.substr(first)) <= 0) {
        std::fprintf(stderr, "%s:%d: bad dictionary entry: %s\n", argv[a], number, line.c_str());
        status = 1;
      }
      ++tokens;
    }
    std::printf("dict_check: %d tokens in %s\n", tokens, argv[a]);
  }
  return status;
}
