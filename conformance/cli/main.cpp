// mqttcert: certify an MQTT broker against the conformance suite.
//
//   mqttcert run [--broker URL] [--protocol 3.1.1|5.0|all] [--filter GLOB] [--profile FILE]
//                [--jobs N] [--junit FILE] [--json FILE] [--html FILE]
//   mqttcert list [--protocol …] [--filter GLOB]
//   mqttcert coverage [--markdown FILE]
//   mqttcert interop (--broker URL | --launch NAME) [--webhook-listen HOST:PORT] [--json FILE]
//   mqttcert property [--broker URL | --launch NAME] [--protocol …] [--cases N] [--seed S]
//                     [--profile FILE] [--replay FILE] [--junit/--json/--html FILE]
//   mqttcert matrix --reports DIR [--broker NAME]… [--markdown FILE] [--html FILE]
//   mqttcert fuzz (--broker URL | --launch NAME) [--duration S] [--max-sequences N] [--seed S]
//                 [--jobs N] [--protocol …] [--broker-pid PID] [--save DIR] [--replay FILE]
//                 [--junit/--json FILE]
//   mqttcert stress (--broker URL | --launch NAME) [--scenario NAME|GROUP|all]… [--quick]
//                   [--duration S] [--broker-pid PID] [--list] [--junit/--json/--markdown FILE]
//
// Exit status: 0 all passed (allowed deviations and non-strict results included), 1 some
// failed, 2 the suite could not run (bad flags, broker unreachable).
#include <chrono>
#include <cstdio>
#include <ctime>
#include <fnmatch.h>
#include <fstream>
#include <iostream>
#include <unistd.h>

#include <CLI/CLI.hpp>

#include "conformance/cli/broker_launch.hpp"
#include "conformance/harness/announced_limits.hpp"
#include "conformance/cli/variant_runner.hpp"
#include "conformance/cli/compatibility_matrix.hpp"
#include "conformance/cli/coverage.hpp"
#include "conformance/cli/fuzz_runner.hpp"
#include "conformance/cli/interop_runner.hpp"
#include "conformance/cli/property_runner.hpp"
#include "conformance/cli/stress_runner.hpp"
#include "conformance/cli/reports.hpp"
#include "conformance/cli/suite_runner.hpp"
#include "conformance/harness/broker_target.hpp"
#include "conformance/harness/profile.hpp"
#include "conformance/harness/suite_config.hpp"

using namespace mqtt::cert;
using namespace mqtt::cert::cli;

namespace {

int cannot_run(const std::string& why) {
  std::cerr << "mqttcert: " << why << "\n";
  return 2;
}

// matches says whether a test is selected by `filters`: globs on the statement key
// ("v5.0/MQTT-3.3.*") or section selectors ("v5.0/3.3", "3.3"), as h2spec selects.
bool matches(const test_result& t, const std::vector<std::string>& filters) {
  if (filters.empty()) return true;
  for (const auto& f : filters) {
    if (fnmatch(f.c_str(), t.statement.c_str(), 0) == 0) return true;
    if (fnmatch(f.c_str(), t.test.c_str(), 0) == 0) return true;
    std::string sec = f;
    std::string version;
    if (auto slash = f.find('/'); slash != std::string::npos) {
      version = f.substr(0, slash);
      sec = f.substr(slash + 1);
    }
    if (!version.empty() && version != t.version) continue;
    if (t.section == sec || t.section.rfind(sec + ".", 0) == 0) return true;
  }
  return false;
}

std::vector<suite_binary> binaries_for(const std::string& protocol) {
  std::vector<suite_binary> out;
  for (auto& b : suite_binaries())
    if (protocol == "all" || b.version == "v" + protocol) out.push_back(b);
  return out;
}

// run_interop is `mqttcert interop`: the invariants against one broker.
int run_interop(interop_options io, const std::string& json, const std::string& command_line) {
  if (io.broker_url.empty() == io.launch.empty())
    return cannot_run("interop: give exactly one of --broker URL and --launch NAME");
  std::string error;
  broker_profile profile;
  std::string profile_path = io.profile_path;
  if (!io.launch.empty()) {
    if (!profile_path.empty())
      return cannot_run("interop: --profile is for --broker; a launched broker brings its own");
    profile_path = bundled_profile_path(io.launch == "refbroker"   ? "refbroker.json"
                                        : io.launch == "mosquitto" ? "mosquitto-2.0.json"
                                                                   : "nanomq.json");
    if (io.launch == "nanomq" && nanomq_binary(&error).empty()) return cannot_run(error);
  }
  if (!profile_path.empty()) {
    auto p = load_profile(profile_path, &error);
    if (!p) return cannot_run(error);
    profile = *p;
  }
  if (!io.broker_url.empty()) {
    auto address = broker_address::parse(io.broker_url, &error);
    if (!address) return cannot_run(error);
    if (!wait_until_accepting(*address, std::chrono::milliseconds(3000)))
      return cannot_run("broker " + io.broker_url + " is unreachable");
  }
  io.profile_path = io.broker_url.empty() ? std::string() : profile_path;
  const std::string broker = io.launch.empty() ? io.broker_url : io.launch;
  std::cout << "mqttcert interop: invariants against " << broker
            << (profile_path.empty() ? "" : " (profile " + profile.name + ")") << "\n";
  if (!io.webhook_listen.empty()) {
    std::cout << "mqttcert interop: the scripted webhook serves http://" << io.webhook_listen
              << ": point the broker's HTTP auth at /auth (clientid, username and password as "
                 "form, JSON or query parameters) and its ACL at /acl (also access: 1 "
                 "subscribe, 2 publish; topic)\n";
  }
  const bool tty = ::isatty(STDOUT_FILENO);
  auto results = run_invariants(io, profile,
                                [&](int done, const std::string& line) {
                                  if (!tty) return;
                                  std::cout << "\r\x1b[K[" << done << "] " << line.substr(0, 100)
                                            << std::flush;
                                },
                                &error);
  if (tty) std::cout << "\r\x1b[K";
  if (!results) return cannot_run(error);
  print_invariants(std::cout, *results, tty);
  if (!json.empty() &&
      !write_invariants_json(json, *results, broker, profile.name, command_line))
    return cannot_run("cannot write " + json);
  for (const auto& r : *results)
    if (r.outcome == verdict::failed) return 1;
  return 0;
}

}  // namespace

// add_stress sets up `mqttcert stress`; `duration` and `pid` are copied into `so` after
// parsing when given.
CLI::App* add_stress(CLI::App& app, stress_options& so, double& duration, int& pid) {
  auto* stress = app.add_subcommand(
      "stress",
      "robustness scenarios against a live broker (floods, slow clients, oversize and "
      "malformed packets, protocol abuse, faults): survived, degraded or failed, with evidence");
  stress->add_option("--broker", so.broker_url,
                     "broker URL, tcp://host:port. Stress scenarios may crash or wedge the broker: "
                     "only loopback addresses unless --allow-remote");
  stress->add_flag("--allow-remote", so.allow_remote,
                   "also stress a broker on another host (only one that is yours to break)");
  stress->add_option("--launch", so.launch,
                     "launch a local broker instead (its pid is watched; fault scenarios start "
                     "their own instances of it)")
      ->check(CLI::IsMember({"refbroker", "mosquitto", "nanomq"}));
  stress->add_option("--scenario", so.scenarios, "scenario or group name, repeatable (default all; --list)")
      ->delimiter(',');
  stress->add_flag("--list", so.list, "list the scenarios and exit");
  stress->add_flag("--quick", so.quick, "the CI size: fewer connections and shorter phases");
  stress->add_option("--duration", duration, "seconds for each scenario's abuse phase (default 20, quick 5)")
      ->check(CLI::Range(1.0, 86400.0));
  stress->add_option("--broker-pid", pid, "watch this process: CPU and RSS in the report")
      ->check(CLI::Range(1, 1 << 30));
  stress->add_option("--probe-timeout-ms", so.probe_timeout_ms, "health probe timeout (default 5000)")
      ->check(CLI::Range(100, 600000));
  stress->add_option("--profile", so.profile_path,
                     "broker profile whose stress_outcomes record known problems (reported, "
                     "not failing the run)")
      ->check(CLI::ExistingFile);
  stress->add_option("--junit", so.junit_path, "write JUnit XML");
  stress->add_option("--json", so.json_path, "write JSON results");
  stress->add_option("--markdown", so.markdown_path, "write a Markdown table (docs/robustness.md)");
  return stress;
}

int main(int argc, char** argv) {
  CLI::App app{"mqttcert: MQTT 3.1.1 / 5.0 broker conformance suite"};
  app.require_subcommand(1);
  std::string command_line;
  for (int i = 0; i < argc; ++i) command_line += (i ? " " : "") + std::string(argv[i]);

  std::string broker, protocol = "all", profile_path, junit, json, html, launch, markdown;
  std::vector<std::string> filters;
  int jobs = 2;

  auto* run = app.add_subcommand("run", "run the suite against a broker");
  run->add_option("--broker", broker, "broker URL, e.g. tcp://127.0.0.1:1883 (default: "
                                      "$MQTTCERT_BROKER, else launch the reference broker)");
  run->add_option("--launch", launch,
                  "launch a local broker instead: refbroker, mosquitto or nanomq (with its "
                  "bundled profile unless --profile is given)")
      ->check(CLI::IsMember({"refbroker", "mosquitto", "nanomq"}));
  run->add_option("--protocol", protocol, "3.1.1, 5.0 or all")
      ->check(CLI::IsMember({"3.1.1", "5.0", "all"}));
  run->add_option("--filter,selectors", filters,
                  "statement globs or sections: v5.0/MQTT-3.3.1-4, 'v5.0/MQTT-3.3.*', v5.0/3.3");
  run->add_option("--profile", profile_path, "broker profile JSON (limits, deviations)");
  run->add_option("--jobs,-j", jobs, "parallel test processes per protocol")->check(CLI::Range(1, 64));
  run->add_option("--junit", junit, "write JUnit XML");
  run->add_option("--json", json, "write JSON results");
  run->add_option("--html", html, "write a self-contained HTML report");

  auto* list = app.add_subcommand("list", "list tests and the statements they check");
  list->add_option("--protocol", protocol)->check(CLI::IsMember({"3.1.1", "5.0", "all"}));
  list->add_option("--filter,selectors", filters);

  auto* cov = app.add_subcommand("coverage", "count covered broker-testable statements");
  cov->add_option("--markdown", markdown, "also write this file (e.g. docs/coverage.md)");
  std::string results_path;
  cov->add_option("--results", results_path,
                  "a `mqttcert run --json` file: also count the statements executed and passed there")
      ->check(CLI::ExistingFile);

  auto* interop = app.add_subcommand(
      "interop", "check the ordering, backlog and auth-webhook invariants against a broker");
  interop_options io;
  interop->add_option("--broker", io.broker_url,
                      "the broker, e.g. tcp://127.0.0.1:1883 (it is not reconfigured: "
                      "invariants that need another configuration skip, saying why)");
  interop->add_option("--launch", io.launch, "launch a local broker instead, as CI does")
      ->check(CLI::IsMember({"refbroker", "mosquitto", "nanomq"}));
  interop->add_option("--profile", io.profile_path,
                      "broker profile JSON: its invariant_violations are expected");
  interop->add_option("--webhook-listen", io.webhook_listen,
                      "serve the scripted auth/ACL webhook on HOST:PORT for the broker to ask "
                      "(auth-webhook invariant; prints what to configure)");
  interop->add_option("--webhook-timeout-ms", io.webhook_timeout_ms,
                      "how long the broker waits for its webhook (default 5000)")
      ->check(CLI::Range(1, 600000));
  interop->add_option("--queue-limit", io.queue_limit,
                      "QoS 1/2 messages the broker holds per session, as configured (explains "
                      "backlog losses; without it any loss is unexplained)")
      ->check(CLI::Range(0L, 1L << 40));
  interop->add_option("--username", io.username,
                      "User Name of the ordering and backlog clients (default: none)");
  interop->add_option("--password", io.password, "their password");
  interop->add_option("--invariant", io.invariants, "ordering, backlog or auth-webhook (repeatable)")
      ->check(CLI::IsMember({"ordering", "backlog", "auth-webhook"}));
  interop->add_option("--jobs,-j", io.jobs, "test processes at a time")->check(CLI::Range(1, 16));
  interop->add_option("--json", json, "write JSON results (the compatibility matrix reads them)");

  auto* prop = app.add_subcommand(
      "property", "run generated session/QoS sequences against a broker, checked by the model");
  property_cli_options po;
  std::uint64_t seed = 0;
  prop->add_option("--broker", po.broker_url,
                   "broker URL (default: $MQTTCERT_BROKER, else launch the reference broker)");
  prop->add_option("--launch", po.launch, "launch a local broker instead")
      ->check(CLI::IsMember({"refbroker", "mosquitto", "nanomq"}));
  prop->add_option("--profile", po.profile_path,
                   "broker profile JSON: limits shape the sequences; property_violations are "
                   "expected");
  prop->add_option("--protocol", po.protocol, "3.1.1, 5.0 or all (also sessions across both)")
      ->check(CLI::IsMember({"3.1.1", "5.0", "all"}));
  prop->add_option("--cases", po.cases, "sequences per property (default 100)")
      ->check(CLI::Range(1, 1000000));
  auto* seed_opt = prop->add_option("--seed", seed, "seed (default: from the clock; printed)");
  prop->add_option("--clients", po.clients, "clients per sequence, 1 to 4 (default 3)")
      ->check(CLI::Range(1, 4));
  prop->add_option("--answer-timeout-ms", po.answer_timeout_ms,
                   "how long an acknowledgement or an owed message may take (default 2000)")
      ->check(CLI::Range(50, 60000));
  prop->add_option("--replay", po.replay_path, "run one saved counterexample instead")
      ->check(CLI::ExistingFile);
  prop->add_option("--save", po.save_path,
                   "where a counterexample goes (default mqttcert-counterexample-<version>-<seed>.json)");
  prop->add_option("--username", po.username, "User Name every CONNECT carries");
  prop->add_option("--password", po.password, "its password");
  prop->add_option("--junit", po.junit_path, "write JUnit XML");
  prop->add_option("--json", po.json_path, "write JSON results");
  prop->add_option("--html", po.html_path, "write a self-contained HTML report");

  auto* matrix = app.add_subcommand(
      "matrix", "write the compatibility matrix from one interop run's reports");
  matrix_options mo;
  mo.brokers = {"refbroker", "mosquitto", "nanomq"};
  matrix->add_option("--reports", mo.reports_dir,
                     "directory of <broker>-suite.json and <broker>-invariants.json")
      ->required()
      ->check(CLI::ExistingDirectory);
  matrix->add_option("--broker", mo.brokers, "columns, in order (default: refbroker mosquitto nanomq)");
  matrix->add_option("--markdown", mo.markdown_path, "write Markdown (e.g. docs/compatibility.md)");
  matrix->add_option("--html", mo.html_path, "write a self-contained HTML page");

  auto* fuzz = app.add_subcommand(
      "fuzz",
      "send generated and mutated packet sequences to a live broker over many connections; "
      "watch that it stays up, answers a health probe and refuses malformed packets");
  fuzz_options fo;
  std::uint64_t fuzz_seed = 0, fuzz_max = 0;
  int fuzz_pid = 0;
  fuzz->add_option("--broker", fo.broker_url,
                   "broker URL, tcp://host:port. Fuzzing sends hostile traffic that may crash "
                   "or wedge the broker: only loopback addresses unless --allow-remote");
  fuzz->add_flag("--allow-remote", fo.allow_remote,
                 "also fuzz a broker on another host (only one that is yours to break)");
  fuzz->add_option("--launch", fo.launch, "launch a local broker instead (its pid is watched)")
      ->check(CLI::IsMember({"refbroker", "mosquitto", "nanomq"}));
  fuzz->add_option("--duration", fo.duration_s, "seconds to run (default 60)")->check(CLI::Range(1.0, 1e7));
  auto* fuzz_max_opt = fuzz->add_option("--max-sequences", fuzz_max, "stop after N sequences")
                           ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1} << 62));
  auto* fuzz_seed_opt = fuzz->add_option("--seed", fuzz_seed,
                                         "seed: the same seed sends the same sequences (default: "
                                         "from the clock; printed)");
  fuzz->add_option("--jobs,-j", fo.jobs,
                   "concurrent connections (default 64: the reference broker lingers 50 ms "
                   "before a close, so throughput comes from concurrency)")
      ->check(CLI::Range(1, 256));
  fuzz->add_option("--protocol", fo.protocol, "3.1.1, 5.0 or all")
      ->check(CLI::IsMember({"3.1.1", "5.0", "all"}));
  auto* fuzz_pid_opt = fuzz->add_option("--broker-pid", fuzz_pid,
                                        "watch this process: gone = crash; CPU and RSS reported, "
                                        "RSS that keeps growing flagged")
                           ->check(CLI::Range(1, 1 << 30));
  fuzz->add_option("--save", fo.save_dir, "directory for reproducers (default .)");
  fuzz->add_option("--replay", fo.replay_path, "run a saved reproducer once and say whether it reproduces")
      ->check(CLI::ExistingFile);
  fuzz->add_option("--corpus", fo.corpus_dir,
                   "the corpora/ directory to take seeds from (default: the repository's); "
                   "dictionaries come from ../fuzz/ beside it");
  fuzz->add_option("--answer-timeout-ms", fo.answer_timeout_ms,
                   "how long the broker may take to answer a sequence (default 1000)")
      ->check(CLI::Range(50, 60000));
  fuzz->add_option("--probe-every", fo.probe_every, "sequences between health probes (default 100)")
      ->check(CLI::Range(1, 100000000));
  fuzz->add_option("--probe-timeout-ms", fo.probe_timeout_ms,
                   "how long a health probe may take, tried twice (default 5000)")
      ->check(CLI::Range(100, 600000));
  fuzz->add_option("--keep", fo.keep, "sequences a crash or hang reproducer holds (default 32)")
      ->check(CLI::Range(1, 100000));
  fuzz->add_option("--junit", fo.junit_path, "write JUnit XML");
  fuzz->add_option("--json", fo.json_path, "write JSON results");

  stress_options so;
  double stress_duration = 0;
  int stress_pid = 0;
  auto* stress = add_stress(app, so, stress_duration, stress_pid);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return cannot_run(e.what());  // one line naming the flag and the problem
  }

  if (*interop) return run_interop(io, json, command_line);
  if (*stress) {
    if (stress_duration > 0) so.duration_s = stress_duration;
    if (stress_pid > 0) so.broker_pid = stress_pid;
    if (!so.list && so.broker_url.empty() == so.launch.empty())
      return cannot_run("stress: give exactly one of --broker URL and --launch NAME");
    return run_stress(so, command_line);
  }
  if (*fuzz) {
    if (*fuzz_seed_opt) fo.seed = fuzz_seed;
    if (*fuzz_max_opt) fo.max_sequences = fuzz_max;
    if (*fuzz_pid_opt) fo.broker_pid = fuzz_pid;
    return run_fuzz(fo, command_line);
  }
  if (*prop) {
    if (*seed_opt) po.seed = seed;
    return run_property(po, command_line);
  }
  if (*matrix) {
    if (mo.markdown_path.empty() && mo.html_path.empty())
      return cannot_run("matrix: give --markdown FILE, --html FILE or both");
    mo.command_line = "mqttcert matrix";
    for (int i = 2; i < argc; ++i) mo.command_line += " " + std::string(argv[i]);
    std::string error;
    if (!write_compatibility_matrix(mo, &error)) return cannot_run(error);
    std::cout << "mqttcert matrix: wrote"
              << (mo.markdown_path.empty() ? "" : " " + mo.markdown_path)
              << (mo.html_path.empty() ? "" : " " + mo.html_path) << "\n";
    return 0;
  }

  auto binaries = binaries_for(protocol);
  if (binaries.empty()) return cannot_run("no conformance test binaries are built");
  std::string error;
  auto listed = list_tests(binaries, &error);
  if (!listed) return cannot_run(error);

  if (*list) {
    for (const auto& t : *listed)
      if (matches(t, filters)) std::cout << t.statement << "\t" << t.test << "\n";
    return 0;
  }
  if (*cov) {
    std::optional<run_results> executed;
    if (!results_path.empty()) {
      executed = load_run_results(results_path, &error);
      if (!executed) return cannot_run(error);
    }
    print_coverage(std::cout, *listed, false, command_line, executed);
    if (!markdown.empty()) {
      std::ofstream out(markdown);
      if (!out) return cannot_run("cannot write " + markdown);
      print_coverage(out, *listed, true,
                     "mqttcert coverage" + (results_path.empty() ? "" : " --results " + results_path) +
                         " --markdown " + markdown,
                     executed);
    }
    return 0;
  }

  // run
  // A launched broker brings its bundled profile unless --profile names another: the
  // reference broker's clock runs at that profile's time_scale, and the test processes
  // must read the same profile to scale their waits.
  const bool launches_refbroker =
      launch == "refbroker" ||
      (launch.empty() && broker.empty() && broker_target::will_launch(std::nullopt));
  if (profile_path.empty() && launches_refbroker) profile_path = default_profile_path(true);
  if (profile_path.empty() && launch == "mosquitto")
    profile_path = bundled_profile_path("mosquitto-2.0.json");
  if (profile_path.empty() && launch == "nanomq")
    profile_path = bundled_profile_path("nanomq.json");
  broker_profile profile;
  if (!profile_path.empty()) {
    auto p = load_profile(profile_path, &error);
    if (!p) return cannot_run(error);
    profile = *p;
  }
  auto running = start_broker(launch, broker, profile.time_scale, &error, profile.launch_flags,
                              scram_login_of(profile));
  if (!running) return cannot_run(error);
  const std::string url = running->url;
  auto address = broker_address::parse(url, &error);

  // The profile's claimed features against the broker's CONNACK: the test processes follow
  // the CONNACK, and a contradiction is the profile's error, reported as a failure.
  broker_profile announced = profile;
  const auto contradictions = check_announced_limits(*address, announced);

  std::vector<test_result> selected;
  for (const auto& t : *listed)
    if (matches(t, filters)) selected.push_back(t);
  if (selected.empty()) return cannot_run("no test matches the filter");

  const bool tty = ::isatty(STDOUT_FILENO);
  std::cout << "mqttcert: " << selected.size() << " tests against " << url
            << (profile_path.empty() ? "" : " (profile " + profile.name + ")") << "\n";
  if (address->is_tls()) {
    const char* ca = std::getenv("MQTTCERT_TLS_CA");
    std::cout << "mqttcert: TLS certificate "
              << (ca && *ca ? std::string("verified against ") + ca
                            : std::string("NOT verified (set MQTTCERT_TLS_CA=ca.pem to verify)"))
              << "\n";
  }
  run_options ro;
  ro.broker_url = url;
  if (running->ws_url) ro.ws_url = *running->ws_url;
  if (running->launched && !running->ws_absent_reason.empty())
    std::cout << "mqttcert: WebSocket tests will be skipped: " << running->ws_absent_reason << "\n";
  ro.profile_path = profile_path;
  ro.time_scale = running->time_scale;
  ro.jobs = jobs;
  const std::string started = iso_time_now();
  auto results = run_tests(
      binaries, selected, ro,
      [&](int done, int total, const std::string& line) {
        if (!tty) return;
        std::string shown = line.substr(0, 100);
        std::cout << "\r\x1b[K[" << done << "/" << total << "] " << shown << std::flush;
      },
      &error);
  if (tty) std::cout << "\r\x1b[K";
  if (!results) return cannot_run(error);
  add_server_packet_findings(*results);
  apply_profile(*results, profile);
  if (contradictions && !contradictions->empty())
    results->push_back(profile_limits_finding(profile.name, *contradictions));
  if (launches_refbroker && !profile.variants.empty()) {
    running.reset();  // one reference broker at a time
    auto passes = run_variants(profile, profile_path, binaries, jobs, *results, &error);
    if (!passes) return cannot_run(error);
    for (const auto& v : *passes)
      std::cout << "mqttcert: " << v.rerun << " skipped tests run again on " << v.name << " ("
                << v.flags << "): " << v.executed << " executed\n";
  }

  print_tree(std::cout, *results, tty);
  run_info info{url, profile_path.empty() ? std::string("generic") : profile.name, command_line,
                started};
  if (!junit.empty() && !write_junit(junit, *results, info)) return cannot_run("cannot write " + junit);
  if (!json.empty() && !write_json(json, *results, info)) return cannot_run("cannot write " + json);
  if (!html.empty() && !write_html(html, *results, info)) return cannot_run("cannot write " + html);
  return count(*results).failed > 0 ? 1 : 0;
}
