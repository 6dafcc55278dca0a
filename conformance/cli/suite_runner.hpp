// suite_runner.hpp: runs the conformance test binaries as child processes and reads
// their GoogleTest JSON output back as per-statement results.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "conformance/harness/profile.hpp"

namespace mqtt::cert::cli {

// suite_binary is one compiled conformance binary and the spec version it tests.
struct suite_binary {
  std::string version;  // "v5.0" or "v3.1.1"
  std::string path;
};

// suite_binaries returns the binaries compiled into mqttcert (MQTTCERT_V5_BINARY, …),
// overridable with MQTTCERT_V5_BINARY / MQTTCERT_V311_BINARY in the environment.
std::vector<suite_binary> suite_binaries();

enum class verdict : std::uint8_t {
  passed,
  failed,
  non_strict,         // a SHOULD-level test failed
  allowed_deviation,  // failed, and the profile lists the statement as a known deviation
  unimplemented,      // the profile says the broker lacks a feature the test needs
  skipped,            // skipped for another reason (e.g. not observable)
};
std::string_view verdict_name(verdict v);

struct test_result {
  std::string version;    // v5.0
  std::string test;       // GoogleTest full name: Suite.Name (or Prefix/Suite.Row/Param)
  std::string statement;  // v5.0/MQTT-3.3.1-4
  std::string section;    // 3.3.1
  std::string level = "must";
  verdict outcome = verdict::skipped;
  std::string report;     // failure block (expected/observed/transcript)
  std::string note;       // deviation reason, skip reason
  double seconds = 0;
  // Packets the broker sent during the test that the codec rejects, "<why>\t<hex>" each.
  std::vector<std::string> malformed_server_packets;
};

// list_tests runs every binary in dry-run mode and returns one entry per test with its
// statement (outcome unset). `error` on a binary that cannot run.
std::optional<std::vector<test_result>> list_tests(const std::vector<suite_binary>& binaries,
                                                   std::string* error);

struct run_options {
  std::string broker_url;
  std::string ws_url;             // passed as MQTTCERT_BROKER_WS ("" = none known)
  std::string profile_path;       // passed to the tests as MQTTCERT_PROFILE ("" = none)
  double time_scale = 0;          // > 0: passed as MQTTCERT_TIME_SCALE (a launched broker's clock)
  int jobs = 2;
  std::vector<std::string> tests; // full test names to run, per binary version-prefixed
};

// run_tests runs the selected tests of each binary in `jobs` shards, calling `progress`
// (done, total, last line) as results come in, and returns the results.
std::optional<std::vector<test_result>> run_tests(
    const std::vector<suite_binary>& binaries, const std::vector<test_result>& selected,
    const run_options& options, const std::function<void(int, int, const std::string&)>& progress,
    std::string* error);

// add_server_packet_findings reports each distinct malformed packet the broker sent (by
// version and codec reason) once, as a failed "<version>/server-packet-format" result
// naming the tests that saw it, however many tests saw it. A test still reports its own
// statement; this row is where the broker's packet fault itself is counted.
void add_server_packet_findings(std::vector<test_result>& results);

// profile_limits_finding is the failed "v5.0/profile-limits" row that reports where the
// profile `profile_name` claims limits or optional features the broker's CONNACK
// contradicts (one sentence each; see harness/announced_limits.hpp).
test_result profile_limits_finding(const std::string& profile_name,
                                   const std::vector<std::string>& contradictions);

// apply_profile turns failures the profile lists as deviations into allowed_deviation.
void apply_profile(std::vector<test_result>& results, const broker_profile& profile);

}  // namespace mqtt::cert::cli
