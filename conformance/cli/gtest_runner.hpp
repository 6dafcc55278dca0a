// gtest_runner.hpp: runs GoogleTest binaries as child processes, a few at a time, reading
// their output as it comes (for the progress line) and leaving each one's JSON results in
// a file. `mqttcert run` runs the conformance binaries with it, `mqttcert interop` the
// invariant binaries.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace mqtt::cert::cli {

// gtest_task is one child: `binary args… --gtest_output=json:<json_path>` with `env`
// ("NAME=value", overriding the inherited environment) added.
struct gtest_task {
  std::string binary;
  std::vector<std::string> args;
  std::vector<std::string> env;
  std::string json_path;  // filled in by run_gtest_tasks: a temporary file
  std::string output;     // everything the child printed
};

// binary_path is the test binary named by environment variable `name` when set and not
// empty, else `compiled` (the path CMake built in); suite and interop runners use it.
std::string binary_path(const char* name, const char* compiled);

// run_gtest_tasks runs `tasks`, at most `parallel` at once, calling `on_test_done` with
// each "[       OK ]" / "[  FAILED  ]" / "[  SKIPPED ]" line as tests finish. False and
// `error` when a child cannot be started. Blocks until every child has exited.
bool run_gtest_tasks(std::vector<gtest_task>& tasks, int parallel,
                     const std::function<void(const std::string& line)>& on_test_done,
                     std::string* error);

// temp_json_path names a temporary JSON file unique to this process and `tag`.
std::string temp_json_path(const std::string& tag);

// from_gtest_json undoes GoogleTest's JSON escaping of UTF-8: it writes each byte of a
// multi-byte character as its own \u00XX, so "→" arrives as three Latin-1 characters.
// When every character of `s` is below U+0100, those are the original bytes.
std::string from_gtest_json(const std::string& s);

}  // namespace mqtt::cert::cli
