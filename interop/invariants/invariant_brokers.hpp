// invariant_brokers.hpp: the brokers the invariants run against, and how each is started
// for them. By default the reference broker, Mosquitto and NanoMQ are launched privately
// on 127.0.0.1, in whatever configuration an invariant needs (queue limits at their
// defaults or raised, an HTTP auth webhook); MQTTCERT_INVARIANT_BROKERS=refbroker,nanomq
// picks some of them. MQTTCERT_INVARIANT_BROKER_URL names one broker the user runs
// instead (`mqttcert interop --broker URL`): it cannot be reconfigured, so an invariant
// that needs another configuration says so and skips.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "conformance/harness/broker_address.hpp"
#include "conformance/harness/broker_target.hpp"
#include "conformance/harness/profile.hpp"

namespace mqtt::cert::invariants {

enum class broker_kind { refbroker, mosquitto, nanomq, external };

std::string_view broker_name(broker_kind b);

// selected_brokers returns the brokers this run covers (see above). A name that is not a
// broker is left out with a line on stderr.
std::vector<broker_kind> selected_brokers();

// unavailable_reason says in one sentence why `b` cannot run on this machine ("" when it
// can): NanoMQ not built, no external URL.
std::string unavailable_reason(broker_kind b);

// profile_for returns the broker's profile (limits, invariant violations recorded for it):
// MQTTCERT_PROFILE for an external broker, else the bundled one.
const broker_profile& profile_for(broker_kind b);

// running_broker is a broker an invariant talks to: one this process started, or the
// external one (process == nullptr, no log).
struct running_broker {
  broker_kind kind = broker_kind::refbroker;
  std::unique_ptr<broker_process> process;
  broker_address address;
  std::string description;  // how it was started, or its URL

  // log_text is the broker's log so far ("" for an external broker).
  std::string log_text() const { return process ? process->log_text() : std::string(); }
  std::string log_path() const { return process ? process->log_path() : std::string(); }
};

// queue_limit is a broker's configured bound on the QoS 1/2 messages it holds for one
// session, and the configuration that sets it: `explains` a loss of up to N - messages
// out of N (a broker keeping its bound delivers at least that many).
struct queue_limit {
  std::string name;           // "max_queued_messages 1000 (Mosquitto's default)"
  std::size_t messages = 0;   // 0: not known (an external broker without --queue-limit)
  std::vector<std::string> config;  // extra flags / config lines that set it
};
queue_limit default_queue_limit(broker_kind b);
// raised_queue_limit is a bound above everything the backlog phase publishes.
queue_limit raised_queue_limit(broker_kind b);

// start_broker starts `b` with `limit`'s configuration (nullopt: the configuration the
// ordering invariant uses), or connects the external one. nullptr and `error` on failure.
std::unique_ptr<running_broker> start_broker(broker_kind b, const std::optional<queue_limit>& limit,
                                             std::string* error);

// webhook_config is an HTTP auth and ACL webhook a broker is told to ask.
struct webhook_config {
  std::string auth_url;
  std::string acl_url;
  bool get = false;   // GET with query parameters, else POST
  bool json = false;  // POST body as JSON, else a form
};

// has_auth_webhook says whether `b` can ask an HTTP webhook about CONNECT; when not,
// `why` says so (Debian's Mosquitto has no HTTP auth plugin).
bool has_auth_webhook(broker_kind b, std::string* why);

// webhook_timeout is how long `b` waits for the webhook before it refuses, as started by
// start_with_webhook (NanoMQ's auth_http timeout is in whole seconds).
std::chrono::milliseconds webhook_timeout(broker_kind b);

// start_with_webhook starts `b` asking `hooks`, refusing anonymous clients, logging at
// debug level (so the password check of the log means something). nullptr and `error`
// on failure.
std::unique_ptr<running_broker> start_with_webhook(broker_kind b, const webhook_config& hooks,
                                                   std::string* error);

}  // namespace mqtt::cert::invariants
