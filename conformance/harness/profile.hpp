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

struct deviation {
  std::string id;      // "v5.0/MQTT-3.1.2-22"
  std::string reason;  // one sentence: what the broker does instead
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
  // Enhanced authentication (v5 4.12): a method the broker supports and the client's
  // Authentication Data for each step, in hex: the first goes in CONNECT, each later one
  // answers a server AUTH 0x18. Empty method: no enhanced authentication configured.
  std::string authentication_method;
  std::vector<std::string> authentication_data_hex;
  // time_scale says how much faster than real time the broker's clock runs (a test hook:
  // mqtt-refbroker --time-scale N); Keep Alive, Will Delay and expiry intervals all shrink
  // by it. 1 for every broker measured in real time. Top-level key "time_scale", >= 1.
  double time_scale = 1;
  std::vector<deviation> deviations;

  // find_deviation returns the deviation recorded for `key` ("v5.0/MQTT-…"), if any.
  const deviation* find_deviation(std::string_view key) const;
};

// load_profile reads a profile JSON file. Unknown keys are an error (a typo must not
// silently widen what a broker is allowed). nullopt and `error` set on failure.
std::optional<broker_profile> load_profile(const std::string& path, std::string* error);

// parse_profile reads profile JSON text; see load_profile.
std::optional<broker_profile> parse_profile(std::string_view json_text, std::string* error);

}  // namespace mqtt::cert
