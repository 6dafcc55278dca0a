// fault_clients.hpp: what the fault scenarios do with clients on a broker of their own —
// try a login and time the answer, keep a client that proves an existing session is
// still served.
#pragma once

#include <chrono>
#include <string>

#include "conformance/harness/raw_client.hpp"
#include "stress/clients.hpp"
#include "stress/scenario.hpp"

namespace mqtt::cert::stress {

// login_attempt is one CONNECT and what came of it.
struct login_attempt {
  bool let_in = false;    // CONNACK 0x00
  bool answered = false;  // a CONNACK (any code) or a close came before the timeout
  std::chrono::milliseconds took{0};
  std::string what;       // the failure, for evidence
};

// try_login connects `client_id` as `user` (password "secret") and waits up to `timeout`.
login_attempt try_login(const context& c, const std::string& client_id, const std::string& user,
                        std::chrono::milliseconds timeout);

// held_client is a connected 5.0 client subscribed at QoS 1 to its own topic.
class held_client {
 public:
  // hold connects and subscribes; false (and `why`) when either fails.
  bool hold(const context& c, const std::string& client_id, const std::string& user, std::string* why);
  // round_trip publishes a QoS 1 message to its own topic and waits up to `timeout` for
  // the PUBACK and the message. False with `why` when either is missing.
  bool round_trip(std::chrono::milliseconds timeout, std::string* why);
  bool connected() const { return client_ != nullptr; }

 private:
  std::unique_ptr<raw_client> client_;
  std::string topic_;
  std::uint16_t next_id_ = 1;
};

// ms_text is "1234 ms".
std::string ms_text(std::chrono::milliseconds d);

}  // namespace mqtt::cert::stress
