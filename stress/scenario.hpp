// scenario.hpp: what a stress scenario is, what it is given and what it gives back.
//
// A scenario abuses a live broker in one way, bounded in count and time (loopback or the
// user's own broker only), and judges what it can see itself: the reason code or close a
// bad packet got, a message it was promised, a client that must stay out. The runner
// (`mqttcert stress`, conformance/cli/stress_runner) probes the broker before, during and
// after every scenario, watches its process, and combines both into the verdict:
//
//   survived  the broker did everything right and the probe kept answering
//   degraded  the broker lived and recovered, but slowed, refused the probe for a while,
//             or answered in a way the spec allows but a robust broker avoids
//   failed    the broker died or stopped answering, lost what it acknowledged, let in
//             someone it was told to refuse, or accepted what the spec says to refuse
//   skipped   the scenario cannot run against this target (it says why)
#pragma once

#include <netinet/in.h>
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mqtt::cert {
class broker_process;
}

namespace mqtt::cert::stress {

enum class outcome : std::uint8_t { survived, degraded, failed, skipped };
std::string_view outcome_name(outcome o);

// probe_sample is one health probe: a fresh client connects, subscribes, publishes a
// QoS 1 message to itself and receives it.
struct probe_sample {
  bool ok = false;
  std::chrono::milliseconds took{0};
  std::string failure;  // which step did not happen in time
};

// own_broker is a private broker a scenario launched for itself (faults that need a
// webhook in front of it, or a SIGTERM): the same kind as the target, extra flags added.
struct own_broker_request {
  std::vector<std::string> refbroker_flags;  // added to mqtt-refbroker's command line
  std::vector<std::string> mosquitto_config;  // lines added to Mosquitto's listener
  std::vector<std::string> nanomq_config;     // HOCON lines added to NanoMQ's config
};

// context is everything a scenario may use. The runner fills it; every function member
// is set (launch_own returns nullptr with a reason when the target was given by URL).
struct context {
  sockaddr_in address{};      // the broker's tcp:// listener
  std::string url;            // the same, as text
  std::string broker_kind;    // refbroker, mosquitto or nanomq when launched; "" by URL
  std::optional<pid_t> pid;   // the broker's process, when known
  bool quick = false;         // the CI size: fewer connections, shorter phases
  double duration_s = 10;     // the budget for the abuse phase
  std::string run_id;         // unique per run: prefix client ids and topics with it

  std::function<probe_sample()> probe;                // one health probe, now
  std::function<std::optional<long>()> rss_kib;       // the broker's RSS, when watched
  std::function<void(const std::string&)> progress;  // replaces the status line
  std::function<bool()> stopping;                     // the user pressed Ctrl-C
  std::function<std::unique_ptr<broker_process>(const own_broker_request&, std::string*)>
      launch_own;
};

// scenario_report is what a scenario saw. Start survived; each call can only make the
// outcome worse (skip is final).
struct scenario_report {
  outcome result = outcome::survived;
  std::vector<std::string> evidence;  // what it did and what came back, one line each
  std::string statement;              // the spec statement most at stake, when there is one
  // The runner's own probes watch `address`; a scenario that ran on its own broker says so
  // and reports its own probes in `evidence`.
  bool on_own_broker = false;

  void saw(std::string line) { evidence.push_back(std::move(line)); }
  void degrade(const std::string& why);
  void fail(const std::string& why);
  void skip(const std::string& why);
};

struct scenario {
  std::string_view name;     // "connection-flood": --scenario takes it
  std::string_view group;    // load, slow, malformed, abuse, faults
  std::string_view summary;  // one line for --list and the report
  scenario_report (*run)(context&);
  // RSS the broker may keep after the scenario beyond what it had before, MiB; more is
  // reported as degraded (memory not given back).
  long memory_allowance_mib = 64;
};

// all_scenarios lists every scenario in the order `--scenario all` runs them (the ones
// that end a broker last).
const std::vector<scenario>& all_scenarios();

// The groups, one file each.
std::vector<scenario> load_scenarios();
std::vector<scenario> slow_scenarios();
std::vector<scenario> malformed_scenarios();
std::vector<scenario> abuse_scenarios();
std::vector<scenario> fault_scenarios();

}  // namespace mqtt::cert::stress
