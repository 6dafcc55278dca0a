// commands.hpp: what a session/QoS property sequence is made of. A sequence is a list of
// commands over a few clients (ClientIDs c0..c3), a few topics and filters; the runner
// (sequence_runner.hpp) carries each one out against a broker and the model
// (session_model.hpp) checks everything the broker sends back. Commands are plain values so
// that RapidCheck can generate and shrink them and a counterexample can be saved to a file
// and replayed against any broker.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "codec/packets.hpp"

namespace mqtt::property {

inline constexpr int max_clients = 4;
// Topics publishers use and filters subscribers use: "t/+" and "t/#" overlap the exact
// ones, so one message can match several subscriptions of one session.
inline constexpr const char* topic_names[] = {"t/a", "t/b", "t/c/d"};
inline constexpr const char* filter_names[] = {"t/a", "t/b", "t/+", "t/#", "t/c/+"};
inline constexpr const char* will_topic = "t/a";

struct connect_cmd {
  int client = 0;
  codec::protocol_version version = codec::protocol_version::v5_0;
  bool clean_start = true;
  std::uint32_t session_expiry = 0;  // v5 only; 3.1.1 persists when clean_start is false
  std::uint16_t receive_maximum = 0; // v5 only; 0: not sent (65535)
  bool will = false;                 // Will on will_topic, QoS 1, not retained
};

enum class disconnect_kind : std::uint8_t {
  normal,     // DISCONNECT 0x00: the will is discarded
  with_will,  // v5 DISCONNECT 0x04 (3.1.1: like normal)
  abrupt,     // the network connection just closes
};

struct disconnect_cmd {
  int client = 0;
  disconnect_kind kind = disconnect_kind::normal;
};

struct subscribe_cmd {
  int client = 0;
  int filter = 0;  // index into filter_names
  bool shared = false;  // 5.0 "$share/<group>/<filter>", one group per sequence
  codec::qos max_qos = codec::qos::at_least_once;
  bool no_local = false;            // v5 options; 3.1.1 sends none of them
  bool retain_as_published = false;
  std::uint8_t retain_handling = 0;
};

struct unsubscribe_cmd {
  int client = 0;
  int filter = 0;
  bool shared = false;
};

struct publish_cmd {
  int client = 0;
  int topic = 0;  // index into topic_names
  codec::qos q = codec::qos::at_most_once;
  bool retain = false;
  bool empty = false;  // an empty payload (with retain: clears the retained message)
  std::optional<std::uint32_t> message_expiry;  // v5 Message Expiry Interval, seconds
};

// withhold makes the client stop (or resume) acknowledging what the broker sends it:
// no PUBACK, PUBREC or PUBCOMP while withholding; resuming acknowledges what is pending.
struct withhold_cmd {
  int client = 0;
  bool on = true;
};

// let_time_pass advances the broker's clock (in-process) or waits (network).
struct let_time_pass_cmd {
  std::uint32_t seconds = 1;
};

using command = std::variant<connect_cmd, disconnect_cmd, subscribe_cmd, unsubscribe_cmd,
                             publish_cmd, withhold_cmd, let_time_pass_cmd>;

// describe gives one line per command: "c1 CONNECT 5.0 clean=0 expiry=300 rm=2 will".
std::string describe(const command& c);

// to_json / from_json save and load a command list (a counterexample file).
std::string commands_to_json(const std::vector<command>& commands);
std::optional<std::vector<command>> commands_from_json(const std::string& text, std::string* error);

}  // namespace mqtt::property
