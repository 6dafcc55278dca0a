// sequence_runner.hpp: carries out a command sequence against a broker (broker_driver) as
// real clients would — answering PUBLISH with PUBACK/PUBREC and PUBREL with PUBCOMP unless
// told to withhold — and shows the model (session_model) every step and every packet.
// After each command it waits for the broker to be quiet: in-process at once; over the
// network until nothing more is owed (or a deadline), then a PINGREQ/PINGRESP round trip
// per client, so a missing message is found without fixed sleeps.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "property/model/broker_driver.hpp"
#include "property/model/commands.hpp"
#include "property/model/session_model.hpp"

namespace mqtt::property {

struct runner_options {
  // A prefix for ClientIDs and topics, unique per sequence, so sequences run against one
  // broker never see each other's sessions or retained messages.
  std::string prefix = "p";
  // How long to wait for an acknowledgement, and for what is owed to arrive.
  std::chrono::milliseconds answer_timeout{2000};
  // After a sequence on a real broker: remove its sessions and retained messages.
  bool clean_up = false;
  // Packets may be on the wire when a connection ends (a real network): see
  // session_model::allow_in_transit.
  bool in_transit = false;
  // Credentials every CONNECT carries (a broker that requires them).
  std::optional<std::string> username;
  std::optional<std::string> password;
};

// The rule of a run that could not open a connection: the broker crashed or stopped
// listening, and nothing after it says anything about sessions or QoS.
inline constexpr const char* broker_unreachable_rule = "broker-unreachable";

struct run_result {
  std::vector<violation> violations;
  int commands_run = 0;     // up to and including the one after which the first violation showed
  std::string transcript;   // every packet, per connection, in order
  coverage covered;
  // broker_lost: the broker-unreachable violation, if any (what else the run shows
  // follows from it).
  const violation* broker_lost() const {
    for (const auto& v : violations)
      if (v.rule == broker_unreachable_rule) return &v;
    return nullptr;
  }
};

run_result run_sequence(broker_driver& driver, const std::vector<command>& commands,
                        const runner_options& options);

// format_failure prints a failed run: the rule and its statements, the numbered commands
// (the failing one marked), and the transcript.
std::string format_failure(const std::vector<command>& commands, const run_result& r);

}  // namespace mqtt::property
