// enhanced_auth.hpp: how the broker core runs an MQTT 5 enhanced authentication method
// (4.12) without knowing its mechanism. The core owns the protocol (AUTH packets, reason
// codes, the Authentication Method rules, re-authentication, what may arrive meanwhile);
// an auth_exchange owns one run of the mechanism (SCRAM-SHA-256 in ../auth). The
// methods on offer come in through broker_core's constructor.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "codec/reason_code.hpp"
#include "codec/wire_types.hpp"

namespace mqtt::broker {

// auth_step is a mechanism's answer to one piece of the client's Authentication Data.
struct auth_step {
  enum class kind : std::uint8_t {
    challenge,  // send `data` in AUTH 0x18 and wait for the client's next AUTH 0x18
    success,    // authenticated as `identity`: `data` goes in CONNACK 0x00 or AUTH 0x00
    failure,    // refused with `reason`; `data` (may be empty) goes in a refusing CONNACK
  };
  kind what = kind::failure;
  codec::byte_buffer data;
  std::string identity;  // success: who the exchange proved (a user name)
  codec::reason_code reason = codec::reason_code::not_authorized;
  std::string why;       // for the log, never sent
};

// auth_exchange is one run of a mechanism on one connection: step() takes the data of
// CONNECT (or AUTH 0x19), then of each AUTH 0x18. It must answer on the calling thread
// without blocking (a few hashes, not a key derivation), and may be moved between
// threads between calls.
class auth_exchange {
 public:
  virtual ~auth_exchange() = default;
  virtual auth_step step(codec::byte_view client_data) = 0;
};

// auth_methods is the set of methods a broker offers. start() returns a fresh exchange
// for `method`, or nullptr when it is not offered. Called from any core thread: const
// and thread-safe.
class auth_methods {
 public:
  virtual ~auth_methods() = default;
  virtual std::unique_ptr<auth_exchange> start(std::string_view method) const = 0;
};

}  // namespace mqtt::broker
