// fuzz_replay.cpp: a main() for builds without libFuzzer. Linked with one fuzz target, it
// calls LLVMFuzzerTestOneInput once per file in the directories (or files) it is given,
// so CTest replays the seed corpora and regression inputs through every target with any
// compiler. Files ending in ".md" or ".tsv" are documentation and are skipped.
// Usage: <target>_replay DIR_OR_FILE...
#include <algorithm>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <unistd.h>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

namespace fs = std::filesystem;

// current_input is the path being replayed, printed if the target crashes on it.
char current_input[4096];

extern "C" void replay_on_crash(int sig) {
  const char prefix[] = "fuzz_replay: crashed on input ";
  (void)!write(STDERR_FILENO, prefix, sizeof prefix - 1);
  (void)!write(STDERR_FILENO, current_input, std::strlen(current_input));
  (void)!write(STDERR_FILENO, "\n", 1);
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

bool replay_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "fuzz_replay: cannot read %s\n", path.c_str());
    return false;
  }
  const std::vector<std::uint8_t> bytes{std::istreambuf_iterator<char>(in),
                                        std::istreambuf_iterator<char>()};
  std::snprintf(current_input, sizeof current_input, "%s", path.c_str());
  LLVMFuzzerTestOneInput(bytes.data(), bytes.size());
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  for (const int sig : {SIGABRT, SIGBUS, SIGFPE, SIGILL, SIGSEGV, SIGTRAP}) {
    std::signal(sig, replay_on_crash);
  }
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s DIR_OR_FILE...\n", argv[0]);
    return 2;
  }
  int status = 0;
  for (int i = 1; i < argc; ++i) {
    const fs::path arg = argv[i];
    std::error_code ec;
    if (fs::is_regular_file(arg, ec)) {
      if (!replay_file(arg)) status = 1;
      continue;
    }
    if (!fs::is_directory(arg, ec)) {
      std::fprintf(stderr, "fuzz_replay: %s is neither a file nor a directory\n", argv[i]);
      status = 1;
      continue;
    }
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(arg)) {
      // README.md and index.tsv describe the inputs; they are not inputs.
      if (entry.is_regular_file() && entry.path().extension() != ".md" &&
          entry.path().extension() != ".tsv") {
        files.push_back(entry.path());
      }
    }
    std::sort(files.begin(), files.end());
    if (files.empty()) {
      std::fprintf(stderr, "fuzz_replay: no inputs in %s\n", argv[i]);
      status = 1;
    }
    for (const auto& f : files) {
      if (!replay_file(f)) status = 1;
    }
    std::printf("fuzz_replay: %zu inputs from %s\n", files.size(), argv[i]);
  }
  return status;
}
