#include "conformance/cli/property_runner.hpp"

#include <unistd.h>

#include <chrono>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>

#include <nlohmann/json.hpp>

#include "conformance/cli/broker_launch.hpp"
#include "conformance/cli/reports.hpp"
#include "conformance/harness/profile.hpp"
#include "conformance/harness/suite_config.hpp"
#include "property/model/network_driver.hpp"
#include "property/model/property_check.hpp"

namespace mqtt::cert::cli {
namespace {

using property::check_options;
using property::check_result;
using property::counterexample;
using codec::protocol_version;

int cannot_run(const std::string& why) {
  std::cerr << "mqttcert: " << why << "\n";
  return 2;
}

// One property: sequences of one protocol version, or of both on the same sessions.
struct property_kind {
  std::string version;  // "v3.1.1", "v5.0", "mixed": the report's version column
  std::string test;     // "SessionQosModel.V5"
  std::vector<protocol_version> versions;
};

std::vector<property_kind> kinds_for(const std::string& protocol) {
  const property_kind v311{"v3.1.1", "SessionQosModel.V311", {protocol_version::v3_1_1}};
  const property_kind v5{"v5.0", "SessionQosModel.V5", {protocol_version::v5_0}};
  const property_kind mixed{"mixed", "SessionQosModel.AcrossVersions",
                            {protocol_version::v3_1_1, protocol_version::v5_0}};
  if (protocol == "3.1.1") return {v311};
  if (protocol == "5.0") return {v5};
  return {v311, v5, mixed};
}

std::string describe_coverage(const property::coverage& c) {
  std::ostringstream o;
  o << c.deliveries << " deliveries, " << c.resumed_sessions << " resumed sessions, " << c.resends
    << " resends, " << c.takeovers << " takeovers, " << c.wills << " wills, " << c.retained
    << " retained, " << c.window_full << " full Receive Maximum windows, " << c.shared
    << " shared";
  return o.str();
}

std::string indent(const std::string& text, const std::string& by) {
  std::string out = by;
  for (char ch : text) {
    out += ch;
    if (ch == '\n') out += by;
  }
  while (!out.empty() && (out.back() == ' ')) out.pop_back();
  return out;
}

// save_counterexample writes the sequence with what it showed, for --replay.
bool save_counterexample(const std::string& path, const counterexample& c, const std::string& broker,
                         std::uint64_t seed, const std::string& property) {
  nlohmann::json j;
  j["property"] = property;
  j["broker"] = broker;
  j["seed"] = seed;
  j["case"] = c.case_index;
  for (const auto& v : c.result.violations)
    j["violations"].push_back({{"rule", v.rule}, {"statements", v.statements}, {"detail", v.detail}});
  j["commands"] = nlohmann::json::parse(property::commands_to_json(c.commands));
  std::ofstream out = open_report_file(path);
  out << j.dump(2) << "\n";
  return static_cast<bool>(out);
}

std::string statements_of(const counterexample& c) {
  std::string out;
  for (const auto& v : c.result.violations)
    if (!v.statements.empty() && out.find(v.statements) == std::string::npos)
      out += (out.empty() ? "" : "; ") + v.statements;
  return out;
}

}  // namespace

int run_property(const property_cli_options& o, const std::string& command_line) {
  if (!o.broker_url.empty() && !o.launch.empty())
    return cannot_run("property: give at most one of --broker URL and --launch NAME");
  std::string error;
  std::optional<std::vector<property::command>> replay;
  if (!o.replay_path.empty()) {
    std::ifstream in(o.replay_path);
    if (!in) return cannot_run("property: cannot read " + o.replay_path);
    std::stringstream text;
    text << in.rdbuf();
    replay = property::commands_from_json(text.str(), &error);
    if (!replay) return cannot_run("property: " + o.replay_path + ": " + error);
  }

  // The profile: given, else the launched broker's bundled one, else none (generic).
  std::string profile_path = o.profile_path;
  const bool default_refbroker =
      o.launch.empty() && o.broker_url.empty() && broker_target::will_launch(std::nullopt);
  if (profile_path.empty() && (o.launch == "refbroker" || default_refbroker))
    profile_path = bundled_profile_path("refbroker.json");
  if (profile_path.empty() && o.launch == "mosquitto")
    profile_path = bundled_profile_path("mosquitto-2.0.json");
  if (profile_path.empty() && o.launch == "nanomq") profile_path = bundled_profile_path("nanomq.json");
  broker_profile profile;
  if (!profile_path.empty()) {
    auto p = load_profile(profile_path, &error);
    if (!p) return cannot_run(error);
    profile = *p;
  }

  // Sequences run in real time, so a launched reference broker keeps the real clock.
  auto running = start_broker(o.launch, o.broker_url, 1, &error);
  if (!running) return cannot_run(error);
  auto address = broker_address::parse(running->url, &error);
  if (!address) return cannot_run(error);

  const std::uint64_t seed =
      o.seed ? *o.seed
             : static_cast<std::uint64_t>(
                   std::chrono::system_clock::now().time_since_epoch().count());
  // ClientIDs and topics start with a prefix of this run ([0-9a-zA-Z] only, which every
  // 3.1.1 server must accept, MQTT-3.1.3-5), so runs sharing a broker do not meet.
  std::mt19937_64 rng(seed ^ static_cast<std::uint64_t>(::getpid()));
  std::ostringstream base;
  base << "p" << std::hex << (rng() & 0xFFFF) << "x";

  check_options co;
  co.cases = o.cases;
  co.seed = seed;
  co.generation.clients = o.clients;
  co.generation.long_time = false;  // real time: no session or message expiry to wait for
  co.generation.max_qos = static_cast<codec::qos>(profile.maximum_qos);
  co.generation.retain = profile.retain_available;
  co.generation.wildcards = profile.wildcard_subscription_available;
  co.generation.shared = profile.shared_subscription_available;
  co.run.prefix = base.str();
  co.run.clean_up = true;
  co.run.answer_timeout = std::chrono::milliseconds(o.answer_timeout_ms);
  if (!o.username.empty()) co.run.username = o.username;
  if (!o.password.empty()) co.run.password = o.password;
  co.in_transit = true;
  co.make_driver = [&] { return std::make_unique<property::network_driver>(*address); };
  // A broker this run launched is started again when it dies, and what it died of is
  // reported with the sequence that was running.
  if (running->launched) {
    co.broker_died = [&]() -> std::string {
      if (running->launched->running()) return {};
      const std::string log = running->launched->log_text();
      const auto tail = log.size() > 600 ? log.substr(log.size() - 600) : log;
      std::string how = running->launched->exit_description() +
                        (tail.empty() ? "" : "; the end of its log:\n" + tail);
      std::string restart_error;
      auto again = start_broker(o.launch, "", 1, &restart_error);
      auto a = again ? broker_address::parse(again->url, &restart_error) : std::nullopt;
      if (!again || !a) {
        // Without a broker nothing more can run: every later connect fails, visibly.
        return how + "\n(could not start it again: " + restart_error + ")";
      }
      running = std::move(again);
      address = std::move(a);
      return how;
    };
  }
  co.expected = [&](const property::violation& v) {
    return profile.find_property_violation(v.rule, v.detail) != nullptr;
  };

  const bool tty = ::isatty(STDOUT_FILENO);
  const std::string broker = o.launch.empty() ? running->url : o.launch + " (" + running->url + ")";
  const std::string profile_note = profile_path.empty() ? "" : " (profile " + profile.name + ")";

  if (replay) {
    std::cout << "mqttcert property: replaying " << o.replay_path << " (" << replay->size()
              << " commands) against " << broker << profile_note << "\n";
    const auto r = property::run_once(co, *replay, base.str() + "r");
    if (r.violations.empty()) {
      std::cout << "passed: every packet the broker sent is one the spec allows\n";
      return 0;
    }
    std::cout << property::format_failure(*replay, r);
    bool expected = true;
    for (const auto& v : r.violations) expected = expected && co.expected(v);
    if (expected) std::cout << "(every violation is one profile " << profile.name << " records)\n";
    return expected ? 0 : 1;
  }

  const auto kinds = kinds_for(o.protocol);
  std::cout << "mqttcert property: " << kinds.size() << " properties x " << o.cases
            << " sequences against " << broker << profile_note << ", seed " << seed << "\n";
  std::vector<test_result> results;
  const std::string started_at = iso_time_now();
  const auto run_started = std::chrono::steady_clock::now();
  for (const auto& kind : kinds) {
    co.generation.versions = kind.versions;
    int last_reported = 0;
    co.progress = [&](int done, int total) {
      if (tty) {
        std::cout << "\r\x1b[K[" << kind.version << "] " << done << "/" << total << " sequences"
                  << std::flush;
      } else if (done * 4 / total > last_reported) {
        last_reported = done * 4 / total;
        std::cout << "  " << kind.version << ": " << done << "/" << total << " sequences\n"
                  << std::flush;
      }
    };
    co.shrinking = [&](int step) {
      if (tty) std::cout << "\r\x1b[K[" << kind.version << "] shrinking: run " << step << std::flush;
    };
    const auto started = std::chrono::steady_clock::now();
    const check_result r = property::check_sequences(co);
    if (tty) std::cout << "\r\x1b[K";
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

    test_result t;
    t.version = kind.version;
    t.test = kind.test;
    t.statement = kind.version + "/session-qos-model";
    t.section = "4";
    t.seconds = seconds;
    std::ostringstream line;
    line << r.cases_run << " sequences in " << static_cast<int>(seconds) << " s: "
         << describe_coverage(r.covered);
    if (r.failure) {
      t.outcome = verdict::failed;
      const auto& f = *r.failure;
      std::string path = o.save_path;
      if (path.empty()) path = "mqttcert-counterexample-" + kind.version + "-" + std::to_string(seed) + ".json";
      else if (kinds.size() > 1) path += "." + kind.version;
      const bool saved = save_counterexample(path, f, running->url, seed, kind.test);
      std::ostringstream report;
      report << "case " << f.case_index + 1 << " of seed " << seed << " failed; shrunk in "
             << f.shrink_runs << " runs to " << f.commands.size() << " commands\n"
             << property::format_failure(f.commands, f.result);
      if (saved)
        report << "saved to " << path << "; replay: mqttcert property --broker URL --replay " << path
               << "\n";
      t.report = report.str();
      t.note = statements_of(f);
    } else {
      t.outcome = r.expected.empty() ? verdict::passed : verdict::allowed_deviation;
    }
    std::string lost_lines;
    for (std::size_t k = 0; k < r.broker_lost.size(); ++k) {
      const auto& lost = r.broker_lost[k];
      std::string path = o.save_path.empty() ? "mqttcert-broker-lost-" + kind.version + "-" +
                                                   std::to_string(seed) + ".json"
                                             : o.save_path + ".broker-lost." + kind.version;
      if (k > 0) path += "." + std::to_string(k);
      const bool saved = save_counterexample(path, lost, running->url, seed, kind.test);
      std::ostringstream lost_report;
      lost_report << "the broker died or stopped accepting connections during case " << lost.case_index + 1
                  << " (" << lost.commands.size() << " commands, not shrunk: a dead broker cannot tell)"
                  << "\n"
                  << property::format_failure(lost.commands, lost.result)
                  << (saved ? "saved to " + path + "; replay it with --replay\n" : "");
      const auto& death = *lost.result.broker_lost();
      const bool known = profile.find_property_violation(death.rule, death.detail);
      if (known) {
        t.note += (t.note.empty() ? "" : "\n") + std::string("expected violation ") +
                  property::broker_unreachable_rule + ": " + lost_report.str();
        if (t.outcome == verdict::passed) t.outcome = verdict::allowed_deviation;
      } else {
        t.outcome = verdict::failed;
        t.report += (t.report.empty() ? "" : "\n") + lost_report.str();
      }
      lost_lines += std::string("    ") + (known ? "expected: " : "FAILED: ") +
                    "the broker died or stopped accepting connections during case " +
                    std::to_string(lost.case_index + 1) +
                    " (" + death.detail.substr(0, death.detail.find('\n')) + ")" +
                    (saved ? "; the sequence is saved to " + path : "") + "\n";
    }
    std::ostringstream note;
    note << line.str();
    for (const auto& e : r.expected) {
      const auto& v = e.result.violations.front();
      const auto* record = profile.find_property_violation(v.rule, v.detail);
      note << "\nexpected violation " << v.rule << " (" << r.expected_cases
           << " cases failed only in known ways): " << (record ? record->reason : "") << "\n"
           << indent(property::format_failure(e.commands, e.result), "  ");
    }
    t.note = t.note.empty() ? note.str() : t.note + "\n" + note.str();

    const char* label = t.outcome == verdict::failed ? "FAILED"
                        : t.outcome == verdict::passed ? "passed"
                                                       : "passed, with expected violations";
    std::cout << "  " << label << "  " << kind.version << "  " << line.str() << "\n";
    std::cout << lost_lines;
    if (t.outcome == verdict::failed && !t.report.empty()) std::cout << indent(t.report, "    ") << "\n";
    for (const auto& e : r.expected) {
      const auto& v = e.result.violations.front();
      const auto* record = profile.find_property_violation(v.rule, v.detail);
      std::cout << "    expected violation " << v.rule << " [" << v.statements << "]: "
                << (record ? record->reason : "") << "\n      e.g. " << v.detail << " (case "
                << e.case_index + 1 << ", shrunk to " << e.commands.size() << " commands)\n";
    }
    results.push_back(std::move(t));
  }
  const double total_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - run_started).count();
  const totals n = count(results);
  std::cout << "\n" << n.passed + n.deviations << " of " << results.size()
            << " properties held (" << n.deviations << " with expected violations), " << n.failed
            << " failed, in " << static_cast<int>(total_seconds) << " s; seed " << seed << "\n";

  run_info info{running->url, profile_path.empty() ? std::string("generic") : profile.name,
                command_line, started_at};
  if (!o.junit_path.empty() && !write_junit(o.junit_path, results, info))
    return cannot_run("cannot write " + o.junit_path);
  if (!o.json_path.empty() && !write_json(o.json_path, results, info))
    return cannot_run("cannot write " + o.json_path);
  if (!o.html_path.empty() && !write_html(o.html_path, results, info))
    return cannot_run("cannot write " + o.html_path);
  return n.failed > 0 ? 1 : 0;
}

}  // namespace mqtt::cert::cli
