// broker_options.hpp: mqtt-refbroker's options, from the command line or a --config file
// (CLI11's TOML/INI format), set up apart from main() so the broker_config_fuzzer parses
// config files with exactly the options the broker has.
#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

#include "reference-broker/net/authorizer_factory.hpp"
#include "reference-broker/net/listener.hpp"
#include "reference-broker/net/server.hpp"

namespace mqtt::broker {

// broker_options holds what the options write into, with the broker's defaults.
struct broker_options {
  net::server_settings server;  // server.core is the broker_config
  std::vector<std::string> listen{"tcp://0.0.0.0:1883"};
  net::tls_settings tls;
  net::auth_settings auth;
  std::string port_file;
  std::string log_level = "info";
  unsigned threads = 0;
  std::string scheduling = "batch";  // Linux policy of every broker thread: batch or normal
  unsigned max_qos = 2;
  long long webhook_timeout_ms = 5000;
};

// add_broker_options sets `app` up the way mqtt-refbroker parses (defaults captured for
// --help, misspelt config keys are errors, --config FILE) and adds every option, bound
// to `o`, which must outlive `app`. mqtt-refbroker-faulty adds --fault after it.
void add_broker_options(CLI::App& app, broker_options& o);

}  // namespace mqtt::broker
