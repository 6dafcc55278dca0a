#include "conformance/cli/broker_launch.hpp"

#include <chrono>

namespace mqtt::cert::cli {

std::optional<running_broker> start_broker(const std::string& launch, const std::string& url,
                                           double refbroker_time_scale, std::string* error,
                                           const std::vector<std::string>& refbroker_flags,
                                           const std::optional<scram_login>& refbroker_login) {
  running_broker b;
  if (launch == "nanomq") {
    const std::string binary = nanomq_binary(error);
    if (binary.empty()) return std::nullopt;
    b.launched = broker_process::start_nanomq(binary, error);
  } else if (launch == "mosquitto") {
    b.launched = broker_process::start_mosquitto("/usr/sbin/mosquitto", error);
  } else if (launch == "refbroker") {
    b.launched = broker_process::start_refbroker(default_refbroker_path(), error,
                                                 refbroker_time_scale, refbroker_flags,
                                                 refbroker_login);
  } else {
    b.target = broker_target::resolve(url.empty() ? std::nullopt : std::optional(url), error,
                                      refbroker_time_scale, refbroker_login);
    if (!b.target) return std::nullopt;
    b.url = b.target->address().url();
    if (b.target->ws_address()) b.ws_url = b.target->ws_address()->url();
    b.ws_absent_reason = b.target->ws_absent_reason();
    // A broker given by URL runs its clock at the profile's time_scale (a reference broker
    // started with --time-scale): the tests must scale their waits by it.
    b.time_scale = b.target->launched() ? b.target->time_scale() : refbroker_time_scale;
  }
  if (b.launched) {
    b.url = b.launched->address().url();
    if (b.launched->ws_address()) b.ws_url = b.launched->ws_address()->url();
    b.ws_absent_reason = b.launched->ws_absent_reason();
    b.time_scale = b.launched->time_scale();
  } else if (!b.target) {
    return std::nullopt;  // the launch failed; `error` says why
  }
  auto address = broker_address::parse(b.url, error);
  if (!address || !wait_until_accepting(*address, std::chrono::milliseconds(3000))) {
    if (error && address) *error = "broker " + b.url + " is unreachable";
    return std::nullopt;
  }
  return b;
}

}  // namespace mqtt::cert::cli
