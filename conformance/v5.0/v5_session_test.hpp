// v5_session_test.hpp: the fixture the v5.0 section files share when a session must outlive
// its connection: CONNECT options with a Session Expiry Interval, connecting with them, and
// discarding the session at the end. Header only; the 3.1.1 counterpart is
// v3.1.1/v311_session_test.hpp.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "conformance/harness/conformance_test.hpp"

namespace mqtt::cert::v5 {

class session_test : public v5_test {
 protected:
  // session returns CONNECT options for `id` with a Session Expiry of 30 s (real time,
  // whatever the broker's time scale), so the session and its unacknowledged messages
  // outlive the connection.
  connect_options session(const std::string& id, bool clean_start) {
    connect_options o;
    o.client_id = id;
    o.clean_start = clean_start;
    o.props.session_expiry_interval = broker_seconds(30s);
    return o;
  }

  // persistent returns CONNECT options for `id` with a Session Expiry of 300 broker
  // seconds (15 s at time scale 20, far past the end of a test).
  static connect_options persistent(std::string id, bool clean_start) {
    connect_options o;
    o.client_id = std::move(id);
    o.clean_start = clean_start;
    o.props.session_expiry_interval = 300;
    return o;
  }

  // with_will returns options carrying a Will Message "gone" to `t` (QoS 0, no
  // properties) with Will Retain `retain`.
  static connect_options with_will(std::string t, bool retain = false) {
    connect_options o;
    codec::will_message w;
    w.topic = std::move(t);
    w.payload = payload_bytes("gone");
    w.retain = retain;
    o.will = w;
    return o;
  }

  // watch connects a client "sub" subscribed to `t` at QoS `q`; nullptr after a recorded
  // setup failure.
  std::unique_ptr<raw_client> watch(const std::string& t, codec::qos q = codec::qos::at_most_once) {
    auto sub = connect_client("sub");
    if (sub && !subscribe(*sub, t, q)) {
      ADD_FAILURE() << "setup: cannot subscribe to " << t;
      return nullptr;
    }
    return sub;
  }

  // refused_auth returns CONNECT options for `id` carrying an Authentication Method no
  // broker supports, which the broker must refuse (CONNACK 0x8C or a close).
  static connect_options refused_auth(std::string id) {
    connect_options o;
    o.client_id = std::move(id);
    o.props.authentication_method = "mqttcert-unsupported-method";
    return o;
  }

  // check_refused_auth_closes connects "c" with refused_auth and expects the connection
  // closed, at most after an error CONNACK.
  void check_refused_auth_closes() {
    auto c = send_connect("c", refused_auth(client_id("c")));
    ASSERT_TRUE(c);
    EXPECT_TRUE(closes_after_error(*c));
  }

  // session_client connects with session(id, clean_start); `ack` receives the CONNACK.
  // nullptr (and a failure) on refusal.
  std::unique_ptr<raw_client> session_client(std::string_view label, const std::string& id,
                                             bool clean_start,
                                             codec::connack_packet* ack = nullptr) {
    auto c = open_client(label);
    if (!c) return nullptr;
    auto ok = connect_session(*c, session(id, clean_start), ack);
    if (!ok) {
      ADD_FAILURE() << "setup: " << ok.message();
      return nullptr;
    }
    return c;
  }

  // complete_resent_qos2 expects the next packet on `c`, which resumed the session of
  // `id`, to be the QoS 2 PUBLISH `first` resent with its Packet Identifier and DUP 1
  // (`resent` names it when it does not come), then completes the delivery: PUBREC, which
  // must be answered with PUBREL, PUBCOMP, DISCONNECT, and end_session(id).
  void complete_resent_qos2(raw_client& c, const codec::publish_packet& first,
                            const std::string& id, std::string_view resent) {
    auto r = c.expect_packet();
    const auto* again = r.as<codec::publish_packet>();
    ASSERT_TRUE(again) << mismatch(resent, r);
    EXPECT_TRUE(again->packet_id == first.packet_id && again->dup)
        << mismatch("S→C PUBLISH 3C .. with the original Packet Identifier", r);
    codec::pubrec_packet rec;
    rec.packet_id = again->packet_id;
    c.send_packet(rec);
    auto r2 = c.expect_packet();
    EXPECT_TRUE(r2.as<codec::pubrel_packet>()) << mismatch("S→C PUBREL", r2);
    codec::pubcomp_packet comp;
    comp.packet_id = again->packet_id;
    c.send_packet(comp);
    disconnect(c);
    end_session(id);
  }

  // end_session makes the broker discard the session of `id` (Clean Start, expiry 0).
  void end_session(const std::string& id) {
    raw_client c("cleanup", version());
    connect_options o;
    o.client_id = id;
    if (c.connect(broker()) && connect_session(c, o)) disconnect(c);
  }
};

}  // namespace mqtt::cert::v5
