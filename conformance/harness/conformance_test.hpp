// conformance_test.hpp: the GoogleTest fixture every conformance test derives from.
//
//   class V5Publish : public mqtt::cert::v5_test {};
//   TEST_F(V5Publish, BothQosBitsSetIsMalformed) {
//     statement("MQTT-3.3.1-4");
//     auto c = connect_client("pub");
//     ASSERT_TRUE(c);
//     …
//   }
//
// Names are unique per test and run (client IDs, topics under mqttcert/<test>/<random>/),
// so tests are independent and safe to run in parallel against one broker.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "conformance/harness/raw_client.hpp"
#include "conformance/harness/session_helpers.hpp"
#include "conformance/harness/statement.hpp"
#include "conformance/harness/suite_config.hpp"
#include "conformance/harness/test_context.hpp"

// A conformance test starts failed and must earn its pass: every EXPECT_* it evaluates
// counts as one check of the broker's behaviour, and TearDown fails a test that ends
// without a failure, a skip or any check (one that returned early, say). ASSERT_* are the
// preconditions (a client connected, a packet arrived) and do not count. The macros keep
// GoogleTest's own expansion and its `<< message`; a counted check is one statement.
#define MQTT_COUNTED_CHECK(check)                                             \
  GTEST_AMBIGUOUS_ELSE_BLOCKER_                                               \
  if (::mqtt::cert::test_context::current().note_check(), false) {            \
  } else                                                                      \
    check
#undef EXPECT_TRUE
#undef EXPECT_FALSE
#undef EXPECT_EQ
#undef EXPECT_NE
#undef EXPECT_LE
#undef EXPECT_LT
#undef EXPECT_GE
#undef EXPECT_GT
#define EXPECT_TRUE(condition) MQTT_COUNTED_CHECK(GTEST_EXPECT_TRUE(condition))
#define EXPECT_FALSE(condition) MQTT_COUNTED_CHECK(GTEST_EXPECT_FALSE(condition))
#define EXPECT_EQ(val1, val2) \
  MQTT_COUNTED_CHECK(EXPECT_PRED_FORMAT2(::testing::internal::EqHelper::Compare, val1, val2))
#define EXPECT_NE(val1, val2) \
  MQTT_COUNTED_CHECK(EXPECT_PRED_FORMAT2(::testing::internal::CmpHelperNE, val1, val2))
#define EXPECT_LE(val1, val2) \
  MQTT_COUNTED_CHECK(EXPECT_PRED_FORMAT2(::testing::internal::CmpHelperLE, val1, val2))
#define EXPECT_LT(val1, val2) \
  MQTT_COUNTED_CHECK(EXPECT_PRED_FORMAT2(::testing::internal::CmpHelperLT, val1, val2))
#define EXPECT_GE(val1, val2) \
  MQTT_COUNTED_CHECK(EXPECT_PRED_FORMAT2(::testing::internal::CmpHelperGE, val1, val2))
#define EXPECT_GT(val1, val2) \
  MQTT_COUNTED_CHECK(EXPECT_PRED_FORMAT2(::testing::internal::CmpHelperGT, val1, val2))

namespace mqtt::cert {

// client_pair is a subscriber ("sub") and the publisher ("pub") that feeds it, as
// connect_pair and deliver_unacknowledged return them; both null after a setup failure.
struct client_pair {
  std::unique_ptr<raw_client> sub;
  std::unique_ptr<raw_client> pub;
};

class conformance_test : public ::testing::Test {
 protected:
  explicit conformance_test(codec::protocol_version v);

  void SetUp() override;
  // TearDown prints and records (property "report") the failure block, records the
  // packets the broker sent that the codec rejects (property "server_malformed", one
  // "<why>\t<hex>" line each), then removes the retained messages the test registered.
  void TearDown() override;

  // statement binds this test to a statement ID of the fixture's version; first line.
  void statement(std::string_view id) { record_statement(version_, id); }
  // should marks the statement SHOULD-level (failure is non_strict).
  void should() { record_should(); }

  const broker_address& broker() const;
  const broker_profile& profile() const { return suite().profile; }

  // time_scale is the profile's broker clock speed-up (1: the broker runs in real time).
  double time_scale() const { return profile().time_scale; }
  // real_time turns a duration on the broker's clock (a Keep Alive, a Will Delay, an
  // expiry interval) into a real deadline: broker_time / time_scale plus time_margin for
  // scheduling. Use it for "must have happened by" waits.
  std::chrono::milliseconds real_time(std::chrono::milliseconds broker_time) const {
    return scaled_time(broker_time) + time_margin;
  }
  // scaled_time is broker_time / time_scale with no margin: the real length of a
  // "must not happen before" window (shorten it, never lengthen it).
  std::chrono::milliseconds scaled_time(std::chrono::milliseconds broker_time) const;
  // time_margin is the fixed slack real_time adds for thread and socket scheduling.
  static constexpr std::chrono::milliseconds time_margin{250};
  // broker_seconds is the whole number of broker-clock seconds (at least 1) that last
  // about `real_span` of real time: the value to put in a Keep Alive, Will Delay or
  // expiry property when the test wants to wait about that long.
  std::uint32_t broker_seconds(std::chrono::milliseconds real_span) const;
  // let_broker_time_pass blocks for real_time(broker_time): a deliberate wait for the
  // broker's clock (an expiry to run out), not a guess at how long an event takes.
  void let_broker_time_pass(std::chrono::milliseconds broker_time) const;
  codec::protocol_version version() const { return version_; }

  // client_id returns a unique ClientID (ASCII letters and digits, at most 23 bytes).
  std::string client_id(std::string_view label);
  // topic returns "mqttcert/<Suite>/<Test>/<random>/<leaf>".
  std::string topic(std::string_view leaf);
  // topic_prefix is the part of topic() before the leaf, without the trailing '/'.
  const std::string& topic_prefix() const { return prefix_; }

  // open_client opens the transport only (for tests that send raw CONNECT bytes).
  // nullptr and a recorded failure when the broker does not accept.
  std::unique_ptr<raw_client> open_client(std::string_view label);
  // connect_client opens the transport and completes CONNECT/CONNACK for the fixture's
  // version; a unique ClientID is filled in when `o.client_id` is empty. `ack` receives
  // the (successful) CONNACK.
  std::unique_ptr<raw_client> connect_client(std::string_view label, connect_options o = {},
                                             codec::connack_packet* ack = nullptr);
  // send_connect opens the transport and sends a CONNECT built from `o` for the fixture's
  // version (ClientID as given, even empty), without waiting for the answer. nullptr and a
  // recorded failure when the broker does not accept the connection.
  std::unique_ptr<raw_client> send_connect(std::string_view label, const connect_options& o);
  // connect_subscriber is connect_client("sub", o) plus a SUBSCRIBE to `filter` with `so`
  // that must be granted; nullptr and a recorded setup failure otherwise.
  std::unique_ptr<raw_client> connect_subscriber(const std::string& filter,
                                                 codec::subscribe_options so = {},
                                                 connect_options o = {});
  // connect_pair is connect_subscriber, then connect_client("pub"): the publisher comes
  // second so that everything it publishes finds the subscription in place.
  client_pair connect_pair(const std::string& filter, codec::subscribe_options so = {},
                           connect_options o = {});
  // deliver_unacknowledged is connect_pair on p.topic at p's QoS; "pub" then publishes `p`
  // (completing its handshake) and "sub" receives it without acknowledging it, so the
  // message stays in flight. `got` receives the PUBLISH.
  client_pair deliver_unacknowledged(const codec::publish_packet& p, codec::publish_packet* got,
                                     connect_options o = {});

  // websocket_broker is the broker's ws:// (or wss://) address, or nullptr; the WebSocket
  // tests skip with websocket_absent_reason() then:
  //   if (!websocket_broker()) MQTT_SKIP(websocket_absent_reason());
  const broker_address* websocket_broker() const;
  std::string websocket_absent_reason() const;
  // open_websocket_client / connect_websocket_client are open_client / connect_client over
  // the WebSocket address (offering the "mqtt" subprotocol).
  std::unique_ptr<raw_client> open_websocket_client(std::string_view label);
  std::unique_ptr<raw_client> connect_websocket_client(std::string_view label,
                                                       connect_options o = {});

  // clear_retained_at_end makes TearDown publish an empty retained message to `t`.
  void clear_retained_at_end(std::string t) { retained_.push_back(std::move(t)); }
  // connect_publisher connects "pub" and publishes `payload` to `t` at `q` (packet id 1,
  // RETAIN `retain`), completing its handshake. Returns the publisher, still connected;
  // nullptr and a recorded setup failure otherwise.
  std::unique_ptr<raw_client> connect_publisher(const std::string& t, std::string_view payload,
                                                codec::qos q = codec::qos::at_most_once,
                                                bool retain = false);
  // connect_retaining_publisher connects "pub" and publishes `payload` to `t` with RETAIN 1
  // at QoS 1 (packet id 1), clearing `t` at the end of the test. Returns the publisher;
  // nullptr and a recorded setup failure otherwise.
  std::unique_ptr<raw_client> connect_retaining_publisher(const std::string& t,
                                                          std::string_view payload);

 private:
  // open_client_at opens a raw_client of the fixture's version to `address`; nullptr and
  // a recorded failure when the broker does not accept. open_client and
  // open_websocket_client differ only in the address.
  std::unique_ptr<raw_client> open_client_at(const broker_address& address,
                                             std::string_view label);
  // finish_connect completes CONNECT/CONNACK on an opened client `c` (nullptr passes
  // through), filling a unique ClientID from `label` when `o` has none; nullptr and a
  // recorded setup failure on refusal. Shared by connect_client and connect_websocket_client.
  std::unique_ptr<raw_client> finish_connect(std::unique_ptr<raw_client> c,
                                             std::string_view label, connect_options o,
                                             codec::connack_packet* ack = nullptr);

  codec::protocol_version version_;
  std::string prefix_;
  std::string run_tag_;
  int next_id_ = 0;
  std::vector<std::string> retained_;
};

class v5_test : public conformance_test {
 protected:
  v5_test() : conformance_test(codec::protocol_version::v5_0) {}
};

class v311_test : public conformance_test {
 protected:
  v311_test() : conformance_test(codec::protocol_version::v3_1_1) {}
};

}  // namespace mqtt::cert
