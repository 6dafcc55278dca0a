#include "conformance/cli/interop_runner.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "conformance/cli/gtest_runner.hpp"
#include "conformance/cli/reports.hpp"

#ifndef MQTTCERT_ORDERING_BINARY
#define MQTTCERT_ORDERING_BINARY ""
#endif
#ifndef MQTTCERT_BACKLOG_BINARY
#define MQTTCERT_BACKLOG_BINARY ""
#endif
#ifndef MQTTCERT_WEBHOOK_BINARY
#define MQTTCERT_WEBHOOK_BINARY ""
#endif

namespace mqtt::cert::cli {
namespace {

// failure_message drops GoogleTest's "file:line" first line of a failure.
std::string failure_message(const std::string& failure) {
  const auto nl = failure.find('\n');
  const std::string first = failure.substr(0, nl);
  const bool located = first.find(':') != std::string::npos && first.find(' ') == std::string::npos;
  return located && nl != std::string::npos ? failure.substr(nl + 1) : failure;
}

std::vector<std::string> split_alternatives(const std::string& observed) {
  std::vector<std::string> out;
  for (std::size_t at = 0;;) {
    const auto bar = observed.find(" | ", at);
    out.push_back(observed.substr(at, bar == std::string::npos ? std::string::npos : bar - at));
    if (bar == std::string::npos) break;
    at = bar + 3;
  }
  return out;
}

// apply_record decides a test against what the profile records for it.
void apply_record(invariant_result& r, const broker_profile& profile) {
  const invariant_violation* record = profile.find_invariant_violation(r.test);
  if (r.outcome == verdict::passed) {
    if (record && !record->intermittent) {
      r.outcome = verdict::failed;
      r.problems.push_back("STALE RECORD: profile " + profile.name +
                           " records a violation here (\"" + record->observed + "\": " +
                           record->reason +
                           "), but none happened: remove the record, or mark it intermittent "
                           "if the broker violates the invariant only now and then");
    }
    return;
  }
  if (r.outcome != verdict::failed || record == nullptr) return;
  // Every problem must be one the record describes ("... and N more" lines summarise
  // problems of the same test and are judged by the ones shown).
  const auto accepted = split_alternatives(record->observed);
  bool all_known = !r.problems.empty();
  for (const auto& p : r.problems) {
    if (p.rfind("... and ", 0) == 0) continue;
    bool known = false;
    for (const auto& a : accepted) known = known || describes(a, p);
    all_known = all_known && known;
  }
  if (all_known) {
    r.outcome = verdict::allowed_deviation;
    r.note = record->reason;
  } else {
    r.note = "profile " + profile.name + " records a violation here (\"" + record->observed +
             "\"), but not every problem is that one";
  }
}

std::string invariant_of(const std::string& test) {
  if (test.find("Ordering") != std::string::npos) return "ordering";
  if (test.find("Backlog") != std::string::npos) return "backlog";
  return "auth-webhook";
}

bool parse_invariant_results(const std::string& path, std::vector<invariant_result>& out,
                             std::string* error) {
  std::ifstream in(path);
  nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
  if (!in || j.is_discarded()) {
    if (error) *error = "no readable test output at " + path;
    return false;
  }
  for (const auto& suite : j.value("testsuites", nlohmann::json::array())) {
    for (const auto& t : suite.value("testsuite", nlohmann::json::array())) {
      if (t.value("status", "") == "NOTRUN") continue;
      invariant_result r;
      r.test = suite.value("name", "") + "." + t.value("name", "");
      if (const auto slash = r.test.find('/'); slash != std::string::npos &&
                                               slash < r.test.find('.'))
        r.test = r.test.substr(slash + 1);  // "Brokers/OrderingInvariant.X/y" -> "OrderingInvariant.X/y"
      r.invariant = invariant_of(r.test);
      r.seconds = std::atof(t.value("time", "0s").c_str());
      for (const auto& [k, v] : t.items()) {
        if (!v.is_string()) continue;
        const std::string value = from_gtest_json(v.get<std::string>());
        if (k == "summary") r.summary = value;
        else if (k == "broker") r.broker = value;
        else if (k == "skip_reason" || k == "non_strict") r.note = value;
        else if (k.rfind("backlog_", 0) == 0 || k == "queue_limit" || k == "broker_command")
          r.details[k] = value;
      }
      if (t.contains("failures") && !t["failures"].empty()) {
        r.outcome = verdict::failed;
        for (const auto& f : t["failures"])
          r.problems.push_back(failure_message(from_gtest_json(f.value("failure", ""))));
      } else if (t.value("result", "") == "SKIPPED") {
        r.outcome = verdict::skipped;
      } else {
        r.outcome = t.contains("non_strict") ? verdict::non_strict : verdict::passed;
      }
      out.push_back(std::move(r));
    }
  }
  return true;
}

const char* verdict_label(verdict v) {
  switch (v) {
    case verdict::passed: return "passed";
    case verdict::failed: return "FAILED";
    case verdict::non_strict: return "non-strict";
    case verdict::allowed_deviation: return "expected violation";
    case verdict::unimplemented: return "unimplemented";
    case verdict::skipped: return "skipped";
  }
  return "?";
}

}  // namespace

std::vector<invariant_binary> invariant_binaries() {
  std::vector<invariant_binary> out;
  auto add = [&](const char* invariant, const char* env, const char* compiled) {
    const std::string path = binary_path(env, compiled);
    if (!path.empty()) out.push_back({invariant, path});
  };
  add("ordering", "MQTTCERT_ORDERING_BINARY", MQTTCERT_ORDERING_BINARY);
  add("backlog", "MQTTCERT_BACKLOG_BINARY", MQTTCERT_BACKLOG_BINARY);
  add("auth-webhook", "MQTTCERT_WEBHOOK_BINARY", MQTTCERT_WEBHOOK_BINARY);
  return out;
}

std::optional<std::vector<invariant_result>> run_invariants(
    const interop_options& options, const broker_profile& profile,
    const std::function<void(int, const std::string&)>& progress, std::string* error) {
  std::vector<gtest_task> tasks;
  const int jobs = std::max(1, options.jobs);
  for (const auto& b : invariant_binaries()) {
    if (!options.invariants.empty() &&
        std::find(options.invariants.begin(), options.invariants.end(), b.invariant) ==
            options.invariants.end())
      continue;
    // A webhook served on a given address can be served by one process only.
    const int shards = b.invariant == "auth-webhook" && !options.webhook_listen.empty() ? 1 : jobs;
    for (int shard = 0; shard < shards; ++shard) {
      gtest_task task;
      task.binary = b.path;
      task.env = {"GTEST_TOTAL_SHARDS=" + std::to_string(shards),
                  "GTEST_SHARD_INDEX=" + std::to_string(shard), "GTEST_COLOR=no"};
      if (!options.launch.empty()) task.env.push_back("MQTTCERT_INVARIANT_BROKERS=" + options.launch);
      if (!options.broker_url.empty())
        task.env.push_back("MQTTCERT_INVARIANT_BROKER_URL=" + options.broker_url);
      if (!options.profile_path.empty()) task.env.push_back("MQTTCERT_PROFILE=" + options.profile_path);
      if (!options.webhook_listen.empty())
        task.env.push_back("MQTTCERT_WEBHOOK_LISTEN=" + options.webhook_listen);
      if (options.webhook_timeout_ms > 0)
        task.env.push_back("MQTTCERT_WEBHOOK_TIMEOUT_MS=" + std::to_string(options.webhook_timeout_ms));
      if (!options.username.empty())
        task.env.push_back("MQTTCERT_INVARIANT_USERNAME=" + options.username);
      if (!options.password.empty())
        task.env.push_back("MQTTCERT_INVARIANT_PASSWORD=" + options.password);
      if (options.queue_limit >= 0)
        task.env.push_back("MQTTCERT_QUEUE_LIMIT=" + std::to_string(options.queue_limit));
      tasks.push_back(std::move(task));
    }
  }
  if (tasks.empty()) {
    if (error) *error = "no invariant binaries are built (or none matches --invariant)";
    return std::nullopt;
  }
  int done = 0;
  // `jobs` at a time: the invariants load the broker and time its answers.
  if (!run_gtest_tasks(tasks, jobs,
                       [&](const std::string& line) {
                         if (progress) progress(++done, line);
                       },
                       error))
    return std::nullopt;
  std::vector<invariant_result> results;
  for (auto& t : tasks) {
    if (!parse_invariant_results(t.json_path, results, error)) {
      if (error) *error += "; its output:\n" + t.output.substr(t.output.size() > 4000 ? t.output.size() - 4000 : 0);
      return std::nullopt;
    }
    std::filesystem::remove(t.json_path);
  }
  std::sort(results.begin(), results.end(),
            [](const auto& a, const auto& b) { return a.test < b.test; });
  for (auto& r : results) apply_record(r, profile);
  return results;
}

void print_invariants(std::ostream& out, const std::vector<invariant_result>& results, bool color) {
  auto paint = [&](verdict v, const std::string& s) {
    if (!color) return s;
    const char* code = v == verdict::failed ? "31" : v == verdict::passed ? "32" : "33";
    return std::string("\x1b[") + code + "m" + s + "\x1b[0m";
  };
  std::map<verdict, int> totals;
  std::string invariant;
  for (const auto& r : results) {
    ++totals[r.outcome];
    if (r.invariant != invariant) {
      invariant = r.invariant;
      out << "\n" << invariant << "\n";
    }
    out << "  " << paint(r.outcome, verdict_label(r.outcome)) << "  " << r.test << "\n";
    if (!r.summary.empty() && r.outcome != verdict::passed) out << "      " << r.summary << "\n";
    for (const auto& [k, v] : r.details)
      if (k.rfind("backlog_", 0) == 0) out << "      " << k.substr(8) << ": " << v << "\n";
    if (!r.note.empty()) out << "      " << r.note << "\n";
    if (r.outcome == verdict::failed || r.outcome == verdict::allowed_deviation) {
      const std::size_t shown = r.outcome == verdict::failed ? 20 : 4;
      for (std::size_t i = 0; i < r.problems.size() && i < shown; ++i) {
        std::string p = r.problems[i];
        for (std::size_t at = 0; (at = p.find('\n', at)) != std::string::npos; at += 7)
          p.replace(at, 1, "\n      ");
        out << "    - " << p << "\n";
      }
      if (r.problems.size() > shown)
        out << "    - … " << r.problems.size() - shown << " more (see the JSON report)\n";
    }
  }
  out << "\n" << totals[verdict::passed] << " passed, " << totals[verdict::failed] << " failed, "
      << totals[verdict::allowed_deviation] << " expected violations, "
      << totals[verdict::non_strict] << " non-strict, " << totals[verdict::skipped]
      << " skipped\n";
}

bool write_invariants_json(const std::string& path, const std::vector<invariant_result>& results,
                           const std::string& broker, const std::string& profile_name,
                           const std::string& command_line) {
  nlohmann::json j;
  j["tool"] = "mqttcert interop";
  j["broker"] = broker;
  j["profile"] = profile_name;
  j["command"] = command_line;
  auto& arr = j["results"] = nlohmann::json::array();
  for (const auto& r : results) {
    nlohmann::json x;
    x["invariant"] = r.invariant;
    x["test"] = r.test;
    x["broker"] = r.broker;
    x["verdict"] = std::string(verdict_name(r.outcome));
    x["summary"] = r.summary;
    x["problems"] = r.problems;
    x["note"] = r.note;
    x["details"] = r.details;
    x["seconds"] = r.seconds;
    arr.push_back(std::move(x));
  }
  std::ofstream out = open_report_file(path);
  if (!out) return false;
  out << j.dump(2) << "\n";
  return static_cast<bool>(out);
}

}  // namespace mqtt::cert::cli
