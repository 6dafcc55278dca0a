// interop_runner.hpp: `mqttcert interop` — runs the invariant binaries (ordering, backlog,
// auth webhook; interop/invariants) against one broker and holds what they found against
// the broker's profile: a violation the profile records (invariant_violations) is an
// expected violation, reported with its evidence and reason; any other problem fails; a
// recorded violation that did not happen fails as stale, unless it is intermittent.
#pragma once

#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "conformance/cli/suite_runner.hpp"
#include "conformance/harness/profile.hpp"

namespace mqtt::cert::cli {

struct invariant_binary {
  std::string invariant;  // "ordering", "backlog", "auth-webhook"
  std::string path;
};

// invariant_binaries returns the binaries compiled into mqttcert, overridable with
// MQTTCERT_ORDERING_BINARY, MQTTCERT_BACKLOG_BINARY, MQTTCERT_WEBHOOK_BINARY.
std::vector<invariant_binary> invariant_binaries();

struct invariant_result {
  std::string invariant;  // "ordering", "backlog", "auth-webhook"
  std::string test;       // GoogleTest name: Suite.Test/param
  std::string broker;
  verdict outcome = verdict::skipped;  // allowed_deviation: an expected violation
  std::string summary;                 // what ran and what arrived
  std::vector<std::string> problems;   // one per GoogleTest failure
  std::string note;                    // record reason, skip reason, non-strict finding
  std::map<std::string, std::string> details;  // backlog_sub-offline, queue_limit, …
  double seconds = 0;
};

struct interop_options {
  // The broker: one to launch by name (MQTTCERT_INVARIANT_BROKERS) or one given by URL.
  std::string launch;
  std::string broker_url;
  std::string profile_path;   // for a broker given by URL (MQTTCERT_PROFILE)
  std::string webhook_listen;  // HOST:PORT the scripted webhook serves on
  int webhook_timeout_ms = 0;  // the external broker's webhook timeout (0: default)
  long queue_limit = -1;       // the external broker's queue limit (-1: not given)
  std::string username;        // what the ordering and backlog clients connect with
  std::string password;
  std::vector<std::string> invariants;  // empty: all
  int jobs = 2;
};

// run_invariants runs the selected invariant binaries and applies `profile`, calling
// `progress` (done, line) as tests finish. nullopt and `error` when a binary cannot run.
std::optional<std::vector<invariant_result>> run_invariants(
    const interop_options& options, const broker_profile& profile,
    const std::function<void(int, const std::string&)>& progress, std::string* error);

// print_invariants prints one line per test grouped by invariant, the problems of every
// failure and the evidence of every expected violation, then the totals.
void print_invariants(std::ostream& out, const std::vector<invariant_result>& results, bool color);

// write_invariants_json writes the results (the compatibility matrix reads this).
bool write_invariants_json(const std::string& path, const std::vector<invariant_result>& results,
                           const std::string& broker, const std::string& profile_name,
                           const std::string& command_line);

}  // namespace mqtt::cert::cli
