// 3.14 DISCONNECT: what the server may send, when, and what follows. Reserved flag bits
// are a row of data/malformed_packets.json.
#include "conformance/v5.0/v5_session_test.hpp"

namespace codec = mqtt::codec;
using namespace mqtt::cert;

class V5Disconnect : public v5::session_test {
 protected:
  // watch_willer connects a subscriber to topic("will"), then "willer" with a Will of
  // payload "gone" there: {sub, willer}, both null after a recorded setup failure.
  client_pair watch_willer() {
    const std::string t = topic("will");
    auto sub = connect_subscriber(t);
    if (!sub) return {};
    auto willer = connect_client("willer", with_will(t));
    if (!willer) return {};
    return {std::move(sub), std::move(willer)};
  }

  // provoke is a way to make the server end a connection it accepted.
  enum class provoke { takeover, malformed_packet, second_connect };
  static constexpr provoke all_ways[] = {provoke::takeover, provoke::malformed_packet,
                                         provoke::second_connect};

  // provoke_disconnect connects a client with `o` (a unique ClientID filled in), makes the
  // server end that connection in the way `how` says and returns what the client saw up to
  // the close. A setup failure is recorded and returns an empty observation.
  close_observation provoke_disconnect(provoke how, connect_options o = {}) {
    if (o.client_id.empty()) o.client_id = client_id("c");
    auto c = connect_client("c", o);
    if (!c) return {};
    std::unique_ptr<raw_client> other;
    switch (how) {
      case provoke::takeover: {
        connect_options o2;
        o2.client_id = o.client_id;
        other = connect_client("taker", o2);
        break;
      }
      case provoke::malformed_packet:
        // PUBLISH whose Topic Name length (0x10) runs past the packet: Malformed Packet.
        c->send_hex("30 05 0010 616263");
        break;
      case provoke::second_connect:
        c->send_packet(make_connect(version(), o));
        break;
    }
    return c->expect_close();
  }

  // server_disconnects returns every DISCONNECT in `obs`.
  static std::vector<const received*> server_disconnects(const close_observation& obs) {
    std::vector<const received*> out;
    for (const auto& r : obs.before)
      if (r.as<codec::disconnect_packet>()) out.push_back(&r);
    return out;
  }

  // check_every_server_disconnect provokes a disconnection in each of all_ways (connecting
  // with `o`) and runs `check` on every DISCONNECT the server sends; when it sends none at
  // all the statement is not observable and the test skips. Last in a test.
  template <class Check>
  void check_every_server_disconnect(const connect_options& o, Check check) {
    int seen = 0;
    for (auto how : all_ways) {
      auto obs = provoke_disconnect(how, o);
      for (const auto* r : server_disconnects(obs)) {
        ++seen;
        check(*r, *r->as<codec::disconnect_packet>());
      }
    }
    if (seen == 0) MQTT_SKIP("not observable: the broker closed without DISCONNECT");
  }
};

// [MQTT-3.14.0-1] No DISCONNECT before a successful CONNACK: not for a malformed CONNECT,
// a refused one, or a PINGREQ sent instead of CONNECT.
TEST_F(V5Disconnect, NoDisconnectBeforeSuccessfulConnack) {
  statement("MQTT-3.14.0-1");
  connect_options o;
  o.client_id = client_id("c");
  auto reserved = codec::encode_packet(make_connect(version(), o), version());
  reserved[9] |= 0x01;  // reserved Connect Flags bit [MQTT-3.1.2-3]
  o.props.authentication_method = "mqttcert-unsupported-method";
  auto refused = codec::encode_packet(make_connect(version(), o), version());
  auto ping = codec::encode_packet(codec::pingreq_packet{}, version());
  for (const auto& bytes : {reserved, refused, ping}) {
    auto c = open_client("c");
    ASSERT_TRUE(c);
    c->send_bytes(bytes);
    auto obs = c->expect_close();
    EXPECT_TRUE(server_disconnects(obs).empty())
        << mismatch("no DISCONNECT before a CONNACK below 0x80", obs);
  }
}

// [MQTT-3.14.2-1] Every DISCONNECT the server sends carries a DISCONNECT Reason Code
// (checked on takeover, a malformed packet and a second CONNECT).
TEST_F(V5Disconnect, ServerDisconnectUsesDisconnectReasonCode) {
  statement("MQTT-3.14.2-1");
  check_every_server_disconnect({}, [](const received& r, const codec::disconnect_packet& d) {
    auto code = static_cast<std::uint8_t>(d.reason);
    EXPECT_TRUE(codec::reason_code_allowed(code, codec::packet_type::disconnect))
        << mismatch("a DISCONNECT Reason Code (Table 3-10)", r);
  });
}

// [MQTT-3.14.2-2] A server DISCONNECT never has a Session Expiry Interval, even to a
// client that set one in CONNECT.
TEST_F(V5Disconnect, ServerDisconnectHasNoSessionExpiry) {
  statement("MQTT-3.14.2-2");
  connect_options o;
  o.props.session_expiry_interval = 300;
  check_every_server_disconnect(o, [](const received& r, const codec::disconnect_packet& d) {
    EXPECT_FALSE(d.props.session_expiry_interval)
        << mismatch("DISCONNECT without Session Expiry Interval (11)", r);
  });
}

// [MQTT-3.14.2-3] A DISCONNECT that would exceed the client's Maximum Packet Size (32) has
// no Reason String.
TEST_F(V5Disconnect, NoReasonStringPastClientMaximumPacketSize) {
  statement("MQTT-3.14.2-3");
  connect_options o;
  o.props.maximum_packet_size = 32;
  check_every_server_disconnect(o, [](const received& r, const codec::disconnect_packet& d) {
    EXPECT_TRUE(r.bytes.size() <= 32 || !d.props.reason_string)
        << mismatch("a DISCONNECT of at most 32 bytes, or one without Reason String", r);
  });
}

// [MQTT-3.14.2-4] A DISCONNECT that would exceed the client's Maximum Packet Size (32) has
// no User Property.
TEST_F(V5Disconnect, NoUserPropertyPastClientMaximumPacketSize) {
  statement("MQTT-3.14.2-4");
  connect_options o;
  o.props.maximum_packet_size = 32;
  check_every_server_disconnect(o, [](const received& r, const codec::disconnect_packet& d) {
    EXPECT_TRUE(r.bytes.size() <= 32 || d.props.user_properties.empty())
        << mismatch("a DISCONNECT of at most 32 bytes, or one without User Property", r);
  });
}

// [MQTT-3.14.4-1] Nothing follows a server DISCONNECT: the client is subscribed and
// messages keep coming around the takeover, malformed packet or second CONNECT, yet no
// packet arrives after the DISCONNECT.
TEST_F(V5Disconnect, NothingSentAfterServerDisconnect) {
  statement("MQTT-3.14.4-1");
  const std::string t = topic("t");
  auto pub = connect_client("pub");
  ASSERT_TRUE(pub);
  int seen = 0;
  for (auto how : all_ways) {
    connect_options o;
    o.client_id = client_id("old");
    auto old = connect_client("old", o);
    ASSERT_TRUE(old);
    ASSERT_TRUE(subscribe(*old, t, codec::qos::at_most_once));
    for (int i = 0; i < 10; ++i) ASSERT_TRUE(publish(*pub, t, "before"));
    std::unique_ptr<raw_client> taker;
    if (how == provoke::takeover) taker = connect_client("taker", o);
    if (how == provoke::malformed_packet) old->send_hex("30 05 0010 616263");
    if (how == provoke::second_connect) old->send_packet(make_connect(version(), o));
    for (int i = 0; i < 10; ++i) ASSERT_TRUE(publish(*pub, t, "after"));
    auto obs = old->expect_close();
    bool after_disconnect = false;
    for (const auto& r : obs.before) {
      EXPECT_FALSE(after_disconnect) << mismatch("nothing after DISCONNECT", r);
      if (r.as<codec::disconnect_packet>()) after_disconnect = true;
    }
    seen += after_disconnect;
  }
  if (seen == 0) MQTT_SKIP("not observable: the broker closed without DISCONNECT");
}

// [MQTT-3.14.4-2] After sending DISCONNECT the server closes the connection (takeover,
// malformed packet, second CONNECT).
TEST_F(V5Disconnect, ServerClosesAfterItsDisconnect) {
  statement("MQTT-3.14.4-2");
  int seen = 0;
  for (auto how : all_ways) {
    auto obs = provoke_disconnect(how);
    if (server_disconnects(obs).empty()) continue;
    ++seen;
    EXPECT_TRUE(obs.closed) << mismatch("DISCONNECT, then close", obs);
  }
  if (seen == 0) MQTT_SKIP("not observable: the broker closed without DISCONNECT");
}

// [MQTT-3.14.4-3] DISCONNECT 0x00 discards the Will without publishing it, even when the
// client then drops the socket.
TEST_F(V5Disconnect, NormalDisconnectDiscardsWill) {
  statement("MQTT-3.14.4-3");
  auto [sub, c] = watch_willer();
  ASSERT_TRUE(c);
  c->send_packet(codec::disconnect_packet{});
  c->close();
  auto r = sub->expect_no_packet(500ms);
  EXPECT_EQ(r.status, recv_status::timeout) << mismatch("no Will Message", r);
}

// [MQTT-3.1.2-8] DISCONNECT 0x04 (Disconnect with Will Message) is not a normal
// disconnection: the Will is published.
TEST_F(V5Disconnect, DisconnectWithWillMessagePublishesWill) {
  statement("MQTT-3.1.2-8");
  auto [sub, c] = watch_willer();
  ASSERT_TRUE(c);
  codec::disconnect_packet d;
  d.reason = codec::reason_code::disconnect_with_will_message;
  c->send_packet(d);
  c->close();
  codec::publish_packet got;
  ASSERT_TRUE(receive_publish(*sub, &got, true, real_time(1000ms)));
  EXPECT_EQ(got.payload, payload_bytes("gone"));
}

// [MQTT-3.14.1-1] A DISCONNECT with reserved flag bits set (E1 00) is malformed, not a
// normal disconnection: the server closes the connection (DISCONNECT 0x81 optional), and
// the Will is published. 3.1.2.5: the Will is deleted only "on receipt of a DISCONNECT
// packet with Reason Code 0x00", and is published when "The Server closes the Network
// Connection without first receiving a DISCONNECT packet with a Reason Code 0x00". A
// server that ignored the flags would read DISCONNECT 0x00 and drop the Will, which the
// close alone (the packet-table row) cannot tell.
TEST_F(V5Disconnect, ReservedFlagsDisconnectIsMalformedSoWillIsPublished) {
  statement("MQTT-3.14.1-1");
  auto [sub, c] = watch_willer();
  ASSERT_TRUE(c);
  c->send_hex("E1 00");
  EXPECT_TRUE(closes_after_error(*c));
  codec::publish_packet got;
  EXPECT_TRUE(receive_publish(*sub, &got, true, real_time(1000ms)))
      << "the Will was not published after the malformed DISCONNECT";
}
