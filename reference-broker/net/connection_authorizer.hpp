// connection_authorizer.hpp: what the network layer asks before it hands a CONNECT,
// PUBLISH or SUBSCRIBE to the broker core. Verdicts may come back at once or later (an
// HTTP webhook); the connection stops reading until its verdict is in, so packets keep
// their order. allow_all_authorizer is the default; the auth module (../auth) plugs in
// through make_authorizer() in authorizer_factory.hpp.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "codec/packets.hpp"
#include "reference-broker/core/broker_core.hpp"

namespace mqtt::broker::net {

// peer_identity is who a connection is, as far as the network layer knows it.
struct peer_identity {
  connection_id conn = 0;
  // Empty before CONNECT; for authenticate() the ClientID as sent (maybe "", the core
  // assigns one after the verdict); for ACL checks the one in force.
  std::string client_id;
  std::optional<std::string> username;
  std::string peer_address;  // IP address without port ("127.0.0.1", "::1")
  std::uint16_t peer_port = 0;
  std::string transport;     // "tcp", "ws", "tls+tcp", "wss"
  codec::protocol_version version = codec::protocol_version::v5_0;
};

// connection_authorizer decides who may connect and what they may publish and subscribe.
// Every method must call `done` exactly once, either before returning (on the caller's
// thread) or later from any thread. The packet references are valid only during the call;
// copy what an asynchronous check needs. Implementations must be thread-safe: many
// connections call them at once. A failure to decide (timeout, I/O error) must be a denial.
class connection_authorizer {
 public:
  using connect_done = std::function<void(auth_verdict)>;
  using acl_done = std::function<void(acl_verdicts)>;

  virtual ~connection_authorizer() = default;

  // authenticate decides about a CONNECT (User Name, Password, ClientID, peer).
  virtual void authenticate(const peer_identity& who, const codec::connect_packet& connect,
                            connect_done done) = 0;

  // authorize_publish answers for one PUBLISH: one verdict, or none meaning "allowed".
  virtual void authorize_publish(const peer_identity& who, const codec::publish_packet& p,
                                 acl_done done) = 0;

  // authorize_subscribe answers for a SUBSCRIBE: one verdict per Topic Filter, in order,
  // or none meaning "all allowed".
  virtual void authorize_subscribe(const peer_identity& who, const codec::subscribe_packet& p,
                                   acl_done done) = 0;

  // enhanced_auth_methods returns the MQTT 5 enhanced authentication methods the broker
  // core should offer (4.12), or null for none. Asked once, when the server is made.
  virtual std::shared_ptr<const auth_methods> enhanced_auth_methods() const { return nullptr; }
};

// allow_all_authorizer lets every client in and allows every topic; answers at once.
class allow_all_authorizer final : public connection_authorizer {
 public:
  void authenticate(const peer_identity&, const codec::connect_packet&,
                    connect_done done) override {
    done(auth_verdict{true, codec::reason_code::success});
  }
  void authorize_publish(const peer_identity&, const codec::publish_packet&,
                         acl_done done) override {
    done({});  // empty: allowed
  }
  void authorize_subscribe(const peer_identity&, const codec::subscribe_packet& p,
                           acl_done done) override {
    (void)p;
    done({});  // empty: every filter allowed
  }
};

}  // namespace mqtt::broker::net
