// live_target.hpp: the broker `mqttcert fuzz` and `mqttcert stress` send hostile traffic
// to: one they launch by name or one given by URL, resolved to an IPv4 address, on
// loopback unless the user says it is theirs to break, reachable, with its process (the
// launched one's, or --broker-pid) to watch.
#pragma once

#include <netinet/in.h>
#include <sys/types.h>

#include <optional>
#include <string>

#include "conformance/cli/broker_launch.hpp"

namespace mqtt::cert::cli {

struct live_target_request {
  std::string url;          // or
  std::string launch;       // refbroker, mosquitto, nanomq
  bool allow_remote = false;
  std::optional<int> pid;   // --broker-pid
  std::string why_loopback; // the end of the "not a loopback address" line
};

struct live_target {
  sockaddr_in address{};
  std::string url;   // tcp://127.0.0.1:PORT
  std::string text;  // "refbroker (tcp://127.0.0.1:PORT)" or the URL
  std::string kind;  // the launched name, "" for a URL
  std::optional<pid_t> pid;
  std::optional<running_broker> running;  // the launched broker, stopped when this goes
};

// open_live_target checks the request, launches or resolves the broker and checks that it
// accepts TCP connections. nullopt and a one-sentence `error` when it cannot.
std::optional<live_target> open_live_target(const live_target_request& r, std::string* error);

// is_loopback says whether an IPv4 address is in 127.0.0.0/8.
bool is_loopback(const in_addr& a);

}  // namespace mqtt::cert::cli
