#include "conformance/cli/suite_runner.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

#include "conformance/cli/gtest_runner.hpp"

#ifndef MQTTCERT_V5_BINARY
#define MQTTCERT_V5_BINARY ""
#endif
#ifndef MQTTCERT_V311_BINARY
#define MQTTCERT_V311_BINARY ""
#endif

namespace mqtt::cert::cli {
namespace {

std::string prop(const nlohmann::json& t, const char* key) {
  auto it = t.find(key);
  return it != t.end() && it->is_string() ? from_gtest_json(it->get<std::string>())
                                          : std::string();
}

// parse_results reads one GoogleTest JSON file.
bool parse_results(const std::string& path, const std::string& version,
                   std::vector<test_result>& out, std::string* error) {
  std::ifstream in(path);
  if (!in) {
    if (error) *error = "no test output at " + path;
    return false;
  }
  nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
  if (j.is_discarded()) {
    if (error) *error = "unreadable test output " + path;
    return false;
  }
  for (const auto& suite : j.value("testsuites", nlohmann::json::array())) {
    for (const auto& t : suite.value("testsuite", nlohmann::json::array())) {
      std::string line;
      test_result r;
      r.version = version;
      r.test = suite.value("name", "") + "." + t.value("name", "");
      r.statement = prop(t, "statement");
      r.section = prop(t, "section");
      if (!prop(t, "level").empty()) r.level = prop(t, "level");
      r.report = prop(t, "report");
      for (std::istringstream lines(prop(t, "server_malformed")); std::getline(lines, line);)
        if (!line.empty()) r.malformed_server_packets.push_back(line);
      std::string time = t.value("time", "0s");
      r.seconds = std::atof(time.c_str());
      const bool failed = t.contains("failures") && !t["failures"].empty();
      const std::string result = t.value("result", "");
      if (failed) {
        r.outcome = r.level == "should" ? verdict::non_strict : verdict::failed;
        if (r.report.empty())
          for (const auto& f : t["failures"]) {
            r.report += from_gtest_json(f.value("failure", "")) + "\n";
          }
      } else if (result == "SKIPPED") {
        if (prop(t, "verdict") == "unimplemented") {
          r.outcome = verdict::unimplemented;
          r.note = "broker lacks " + prop(t, "unimplemented_feature");
        } else {
          r.outcome = verdict::skipped;
          r.note = prop(t, "skip_reason");
        }
      } else if (t.value("status", "") == "NOTRUN") {
        continue;
      } else {
        r.outcome = verdict::passed;
      }
      out.push_back(std::move(r));
    }
  }
  return true;
}

}  // namespace

std::string_view verdict_name(verdict v) {
  switch (v) {
    case verdict::passed: return "passed";
    case verdict::failed: return "failed";
    case verdict::non_strict: return "non_strict";
    case verdict::allowed_deviation: return "allowed_deviation";
    case verdict::unimplemented: return "unimplemented";
    case verdict::skipped: return "skipped";
  }
  return "?";
}

std::vector<suite_binary> suite_binaries() {
  std::vector<suite_binary> out;
  std::string v5 = binary_path("MQTTCERT_V5_BINARY", MQTTCERT_V5_BINARY);
  std::string v311 = binary_path("MQTTCERT_V311_BINARY", MQTTCERT_V311_BINARY);
  if (!v311.empty()) out.push_back({"v3.1.1", v311});
  if (!v5.empty()) out.push_back({"v5.0", v5});
  return out;
}

std::optional<std::vector<test_result>> list_tests(const std::vector<suite_binary>& binaries,
                                                   std::string* error) {
  std::vector<test_result> all;
  for (const auto& b : binaries) {
    std::vector<gtest_task> tasks(1);
    tasks[0].binary = b.path;
    tasks[0].env = {"MQTTCERT_DRY_RUN=1"};
    if (!run_gtest_tasks(tasks, 1, nullptr, error)) return std::nullopt;
    std::vector<test_result> listed;
    if (!parse_results(tasks[0].json_path, b.version, listed, error)) return std::nullopt;
    std::filesystem::remove(tasks[0].json_path);
    for (auto& r : listed) {
      r.outcome = verdict::skipped;
      r.report.clear();
      all.push_back(std::move(r));
    }
  }
  return all;
}

std::optional<std::vector<test_result>> run_tests(
    const std::vector<suite_binary>& binaries, const std::vector<test_result>& selected,
    const run_options& options, const std::function<void(int, int, const std::string&)>& progress,
    std::string* error) {
  std::vector<gtest_task> tasks;
  std::vector<std::string> versions;  // per task
  const int jobs = std::max(1, options.jobs);
  const int total = static_cast<int>(selected.size());
  for (const auto& b : binaries) {
    std::string filter;
    for (const auto& t : selected)
      if (t.version == b.version) filter += (filter.empty() ? "" : ":") + t.test;
    if (filter.empty()) continue;
    for (int shard = 0; shard < jobs; ++shard) {
      gtest_task task;
      task.binary = b.path;
      task.args = {"--gtest_filter=" + filter};
      task.env = {"MQTTCERT_BROKER=" + options.broker_url,
                  "GTEST_TOTAL_SHARDS=" + std::to_string(jobs),
                  "GTEST_SHARD_INDEX=" + std::to_string(shard), "GTEST_COLOR=no"};
      if (!options.ws_url.empty()) task.env.push_back("MQTTCERT_BROKER_WS=" + options.ws_url);
      if (!options.profile_path.empty()) task.env.push_back("MQTTCERT_PROFILE=" + options.profile_path);
      if (options.time_scale > 0) {
        std::ostringstream scale;
        scale << options.time_scale;
        task.env.push_back("MQTTCERT_TIME_SCALE=" + scale.str());
      }
      tasks.push_back(std::move(task));
      versions.push_back(b.version);
    }
  }
  int done = 0;
  // Every shard at once: each waits on the broker most of the time.
  if (!run_gtest_tasks(tasks, static_cast<int>(tasks.size()),
                       [&](const std::string& line) {
                         if (progress) progress(++done, total, line);
                       },
                       error))
    return std::nullopt;
  std::vector<test_result> results;
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    if (!parse_results(tasks[i].json_path, versions[i], results, error)) return std::nullopt;
    std::filesystem::remove(tasks[i].json_path);
  }
  return results;
}

void add_server_packet_findings(std::vector<test_result>& results) {
  struct finding {
    std::string hex;
    std::vector<std::string> tests;
  };
  std::map<std::pair<std::string, std::string>, finding> found;  // (version, why)
  for (const auto& r : results) {
    for (const auto& line : r.malformed_server_packets) {
      const auto tab = line.find('\t');
      auto& f = found[{r.version, line.substr(0, tab)}];
      if (f.hex.empty() && tab != std::string::npos) f.hex = line.substr(tab + 1);
      if (f.tests.empty() || f.tests.back() != r.test) f.tests.push_back(r.test);
    }
  }
  for (const auto& [key, f] : found) {
    const auto& [version, why] = key;
    test_result row;
    row.version = version;
    row.section = "2";
    row.statement = version + "/server-packet-format";
    row.test = "ServerPacketFormat." + why.substr(0, why.find(':'));
    row.outcome = verdict::failed;
    std::ostringstream report;
    report << "FAIL " << version << " server packet format (2): the broker sent a packet that "
           << "is malformed for MQTT " << version.substr(1) << "\n"
           << "  expected packets the client's protocol version defines, well-formed\n"
           << "  observed S→C " << f.hex << "\n"
           << "           " << why << "\n"
           << "  seen in " << f.tests.size() << " test" << (f.tests.size() == 1 ? "" : "s") << ":";
    for (std::size_t i = 0; i < f.tests.size() && i < 10; ++i) report << " " << f.tests[i];
    if (f.tests.size() > 10) report << " and " << f.tests.size() - 10 << " more";
    report << "\n  Each of those tests is judged on its own statement; this row counts the "
              "malformed packet once.\n";
    row.report = report.str();
    results.push_back(std::move(row));
  }
}

test_result profile_limits_finding(const std::string& profile_name,
                                   const std::vector<std::string>& contradictions) {
  test_result row;
  row.version = "v5.0";
  row.section = "3.2.2.3";
  row.statement = "v5.0/profile-limits";
  row.test = "Profile.LimitsMatchConnack";
  row.outcome = verdict::failed;
  std::ostringstream report;
  report << "FAIL v5.0 profile limits (3.2.2.3): profile " << profile_name
         << " contradicts what the broker announces in CONNACK\n";
  for (const auto& c : contradictions) report << "  " << c << "\n";
  report << "  The tests followed the CONNACK (a feature the broker announces is tested, one it "
            "says it lacks is not); fix the profile's limits.\n";
  row.report = report.str();
  return row;
}

void apply_profile(std::vector<test_result>& results, const broker_profile& profile) {
  for (auto& r : results) {
    if (r.outcome == verdict::passed) {
      if (const deviation* d = profile.stale_deviation(r.statement, r.test)) {
        r.outcome = verdict::failed;
        r.report = "STALE DEVIATION " + r.statement + ": profile " + profile.name +
                   " excuses a failure of " + r.test + " (\"" + d->reason +
                   "\"), but the test passed: the broker no longer deviates here, so the "
                   "profile's claim is untrue. Remove the deviation, or mark it intermittent "
                   "if the broker passes only sometimes.\n";
      }
      continue;
    }
    if (r.outcome != verdict::failed && r.outcome != verdict::non_strict) continue;
    if (const deviation* d = profile.find_deviation(r.statement, r.test, r.report)) {
      r.outcome = verdict::allowed_deviation;
      r.note = d->reason;
    }
  }
}

}  // namespace mqtt::cert::cli
