// broker_launch.hpp: the broker a subcommand runs against — one it launches by name
// (refbroker, mosquitto, nanomq), one given by URL, or, with neither, what mqttcert run
// resolves ($MQTTCERT_BROKER, else a launched reference broker) — ready to accept.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "conformance/harness/broker_target.hpp"

namespace mqtt::cert::cli {

struct running_broker {
  std::unique_ptr<broker_process> launched;  // launched by name
  std::unique_ptr<broker_target> target;     // resolved from a URL (or launched by default)
  std::string url;
  std::optional<std::string> ws_url;
  std::string ws_absent_reason;
  double time_scale = 1;  // its clock's speed-up: of a launched broker, else the profile's
};

// start_broker launches `launch` ("refbroker", "mosquitto", "nanomq") or resolves `url`
// (empty: the default) and waits until it accepts connections. A launched reference
// broker runs its clock `refbroker_time_scale` times faster, with `refbroker_flags` added
// to its command line, and knows `refbroker_login` (the profile's SCRAM-SHA-256 user, see
// broker_process::start_refbroker). nullopt and a one-sentence `error` when it cannot be
// started or reached.
std::optional<running_broker> start_broker(
    const std::string& launch, const std::string& url, double refbroker_time_scale,
    std::string* error, const std::vector<std::string>& refbroker_flags = {},
    const std::optional<scram_login>& refbroker_login = std::nullopt);

}  // namespace mqtt::cert::cli
