// fuzz_reproducer.hpp: the file `mqttcert fuzz` saves when a broker crashes, hangs or
// answers wrongly, and `mqttcert fuzz --replay FILE` reads: the sequences (every byte,
// as hex spaced per write), what was seen, and the run that found them.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "netfuzz/sequence.hpp"

namespace mqtt::cert::cli {

struct fuzz_reproducer {
  std::string kind;          // crash, hang, wrong-answer, not-closed
  std::string what;          // one line: what was observed
  std::string statement;     // the statement judged by, if any
  std::string broker;        // URL (and launched name) of the broker it came from
  std::uint64_t seed = 0;
  std::string command_line;  // of the run that found it
  std::vector<netfuzz::sequence> sequences;  // in the order they were sent
};

// save_reproducer writes `r` as JSON to `path`; false when it cannot.
bool save_reproducer(const std::string& path, const fuzz_reproducer& r);

// load_reproducer reads a file save_reproducer wrote; nullopt and `error` otherwise.
std::optional<fuzz_reproducer> load_reproducer(const std::string& path, std::string* error);

}  // namespace mqtt::cert::cli
