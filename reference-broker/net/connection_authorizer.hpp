// connection_authorizer.hpp: who answers the verdict questions a client_connection
// (../core) asks about a CONNECT, PUBLISH or SUBSCRIBE. Verdicts may come back at once or
// later (an HTTP webhook); the connection stops reading until its verdict is in, so
// packets keep their order. allow_all_authorizer is the default; the auth module (../auth) plugs in
// through make_authorizer() in authorizer_factory.hpp.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "codec/packets.hpp"
#include "reference-broker/core/enhanced_auth.hpp"
#include "reference-broker/core/verdict.hpp"

namespace mqtt::broker::net {

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

  // authorize_publish answers for one PUBLISH (its Topic Name resolved from any alias).
  virtual void authorize_publish(const peer_identity& who, const codec::publish_packet& p,
                                 acl_done done) = 0;

  // authorize_subscribe answers for a SUBSCRIBE: one verdict per Topic Filter, in order.
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
    done(auth_verdict::allow());
  }
  void authorize_publish(const peer_identity&, const codec::publish_packet&,
                         acl_done done) override {
    done(acl_verdicts::allow_all());
  }
  void authorize_subscribe(const peer_identity&, const codec::subscribe_packet& p,
                           acl_done done) override {
    (void)p;
    done(acl_verdicts::allow_all());
  }
};

}  // namespace mqtt::broker::net
