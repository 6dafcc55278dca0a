// broker_config_fuzzer: reads an mqtt-refbroker --config file (CLI11's TOML/INI format)
// with the broker's own options (add_broker_options, as main() sets them up).
// Checks: parsing throws nothing but CLI11's ParseError (main() turns that into a one-line
// error and exit status 2; anything else would escape main); what it accepts stays within
// the ranges the options declare, which the broker relies on.
#include <CLI/CLI.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>

#include "reference-broker/broker_options.hpp"

namespace {

[[noreturn]] void violated(const char* what) {
  std::fprintf(stderr, "broker_config_fuzzer: accepted a config with %s\n", what);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  CLI::App app{"mqtt-refbroker", "mqtt-refbroker"};
  mqtt::broker::broker_options o;
  mqtt::broker::add_broker_options(app, o);
  std::istringstream config(std::string(reinterpret_cast<const char*>(data), size));
  try {
    app.parse_from_stream(config);
  } catch (const CLI::ParseError&) {
    return 0;  // what main() reports as a bad configuration file
  }
  const auto& bc = o.server.core;
  if (o.max_qos > 2) violated("max-qos above 2");
  if (bc.receive_maximum == 0) violated("receive-maximum 0");
  if (bc.max_inflight_messages == 0) violated("max-inflight 0");
  if (bc.maximum_packet_size < 16 || bc.maximum_packet_size > 268'435'460) {
    violated("max-packet-size out of range");
  }
  if (bc.connect_timeout_ms < 100 || bc.connect_timeout_ms > 3'600'000) {
    violated("connect-timeout-ms out of range");
  }
  if (o.webhook_timeout_ms < 1 || o.webhook_timeout_ms > 600'000) {
    violated("webhook-timeout-ms out of range");
  }
  if (o.server.time_scale < 1 || o.server.time_scale > 1000) violated("time-scale out of range");
  if (o.auth.webhook_method != "post" && o.auth.webhook_method != "get") {
    violated("webhook-method other than post/get");
  }
  if (o.auth.webhook_body != "form" && o.auth.webhook_body != "json") {
    violated("webhook-body other than form/json");
  }
  if (o.log_level != "error" && o.log_level != "warn" && o.log_level != "info" &&
      o.log_level != "debug") {
    violated("log-level outside error/warn/info/debug");
  }
  return 0;
}
