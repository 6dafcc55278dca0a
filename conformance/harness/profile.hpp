// profile.hpp: a broker profile (conformance/profiles/*.json): the broker's limits and
// optional features, and the statements it is known to deviate from, with reasons.
// What differs between brokers lives here, never in `if (broker == …)` test code.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mqtt::cert {

// deviation is a known failure of a broker, checked against the spec text. It excuses a
// failure of statement `id` only in the listed tests (all of the statement's tests when
// the list is empty) and only when the failure report contains `observed` (any failure
// when empty), so a different fault on the same statement still fails. A listed test that
// passes makes the deviation stale, which fails the run, unless it is `intermittent`.
struct deviation {
  std::string id;                  // "v5.0/MQTT-3.1.2-22" or "v5.0/server-packet-format"
  std::vector<std::string> tests;  // "V5Connect.SilentClientClosedAfterOneAndHalfKeepAlive"
  std::string observed;            // text the failure report must contain ("still open")
  bool intermittent = false;       // a race in the broker: passing now and then is no news
  std::string reason;              // what the broker does instead, and the root cause

  // excuses says whether this deviation covers a failure of `test` on `statement` whose
  // report is `report`.
  bool excuses(std::string_view statement, std::string_view test, std::string_view report) const;
  // names_test says whether `test` is listed (so that its passing makes this stale).
  bool names_test(std::string_view statement, std::string_view test) const;
};

// describes says whether `text` contains `pattern`, where each '*' in the pattern stands
// for any run of characters, so a record can name a failure whose counts vary from run to
// run ("sub-offline: * of 12000 acknowledged messages never arrived").
bool describes(std::string_view pattern, std::string_view text);

// invariant_violation is a known violation of an interop invariant (interop/invariants),
// read against the spec by hand. It applies to the invariant tests whose full name
// ("Suite.Test/param") matches the glob `test`; such a test passes, reporting the record,
// when every one of its problem lines contains one of the texts in `observed` (separated
// by " | ", '*' for any text, see describes), and fails when the violation did not happen (the record is stale) unless it
// is `intermittent`.
struct invariant_violation {
  std::string test;
  std::string observed;
  bool intermittent = false;
  std::string reason;
};

// property_violation is a known violation of the session/QoS model (`mqttcert property`,
// property/model), read against the spec by hand: a failing sequence whose every
// violation has rule `rule` and a detail containing `observed` (any detail when empty) is
// reported as expected and the run goes on.
struct property_violation {
  std::string rule;      // "order", "never-arrived": session_model's rule names
  std::string observed;  // text the violation's detail must contain
  std::string reason;
};

// stress_outcome is a known robustness problem of the broker under `mqttcert stress`, read
// by hand: the scenario `scenario` ending `outcome` ("degraded" or "failed") with an
// evidence line that `observed` describes is reported as known and does not fail the run.
// A worse outcome than the record's is not covered.
struct stress_outcome {
  std::string scenario;
  std::string outcome;
  std::string observed;
  std::string reason;
};

struct broker_profile {
  std::string name = "generic";
  std::string description;
  // Limits and optional features, as the broker announces or documents them.
  std::uint8_t maximum_qos = 2;
  bool retain_available = true;
  bool wildcard_subscription_available = true;
  bool shared_subscription_available = true;
  bool subscription_identifiers_available = true;
  std::uint16_t topic_alias_maximum = 0;  // 0: the broker accepts no Topic Alias
  std::uint32_t max_packet_size = 0;      // 0: no limit beyond the protocol's
  bool zero_length_client_id = true;      // accepts an empty ClientID (v5, 3.1.1 clean)
  // Enhanced authentication (v5 4.12): a method the broker supports. For "SCRAM-SHA-256"
  // the harness computes each step from a user name and password the broker knows
  // (top-level "authentication": {"method", "username", "password"}); for any other
  // method the client's Authentication Data for each step is given in hex ("data", or
  // the older limits.authentication_method / limits.authentication_data): the first goes
  // in CONNECT, each later one answers a server AUTH 0x18. Empty method: none configured.
  std::string authentication_method;
  std::vector<std::string> authentication_data_hex;
  std::string authentication_username;
  std::string authentication_password;
  // time_scale says how much faster than real time the broker's clock runs (a test hook:
  // mqtt-refbroker --time-scale N); Keep Alive, Will Delay and expiry intervals all shrink
  // by it. 1 for every broker measured in real time. Top-level key "time_scale", >= 1.
  double time_scale = 1;
  // publish_denied_topic is a Topic Name the broker refuses every client's PUBLISH to (an
  // ACL), for the statements about unauthorized PUBLISH; empty: none.
  std::string publish_denied_topic;
  // launch_flags are extra mqtt-refbroker flags for when mqttcert launches the reference
  // broker with this profile (a configuration variant: "--max-qos", "1", ...).
  // "{profile_dir}" in a flag stands for the folder of the profile file (load_profile).
  std::vector<std::string> launch_flags;
  // variants are profile files (beside this one) of configuration variants of the same
  // broker; `mqttcert run` runs the tests this configuration skips against each of them.
  std::vector<std::string> variants;
  std::vector<deviation> deviations;
  std::vector<invariant_violation> invariant_violations;
  std::vector<property_violation> property_violations;
  std::vector<stress_outcome> stress_outcomes;

  // find_invariant_violation returns the record for the invariant test `test`, if any.
  const invariant_violation* find_invariant_violation(std::string_view test) const;

  // find_stress_outcome returns the record that covers scenario `scenario` ending
  // `outcome` ("degraded" or "failed") with these evidence lines, or nullptr.
  const stress_outcome* find_stress_outcome(std::string_view scenario, std::string_view outcome,
                                            const std::vector<std::string>& evidence) const;
  // find_property_violation returns the record that covers a violation of `rule` with
  // this `detail`, if any.
  const property_violation* find_property_violation(std::string_view rule,
                                                    std::string_view detail) const;
  // find_deviation returns the deviation that excuses this failure, if any.
  const deviation* find_deviation(std::string_view statement, std::string_view test,
                                  std::string_view report) const;
  // stale_deviation returns the deviation that names `test`, which passed, if any: the
  // profile then claims a fault the broker no longer has.
  const deviation* stale_deviation(std::string_view statement, std::string_view test) const;
};

// load_profile reads a profile JSON file. Unknown keys are an error (a typo must not
// silently widen what a broker is allowed). nullopt and `error` set on failure.
std::optional<broker_profile> load_profile(const std::string& path, std::string* error);

// parse_profile reads profile JSON text; see load_profile.
std::optional<broker_profile> parse_profile(std::string_view json_text, std::string* error);

}  // namespace mqtt::cert
