// session_helpers.hpp: the common exchanges (CONNECT/CONNACK, SUBSCRIBE/SUBACK, PUBLISH
// with its full QoS handshake, DISCONNECT) as GoogleTest assertion results, so a test
// writes ASSERT_TRUE(subscribe(*c, filter, opts)) and a failure says what was expected
// and what arrived. Every helper blocks for at most a few expect_timeout periods.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "codec/packets.hpp"
#include "conformance/harness/raw_client.hpp"

namespace mqtt::cert {

struct connect_options {
  std::string client_id;  // the fixture fills a unique one when empty
  bool clean_start = true;
  std::uint16_t keep_alive = 60;
  codec::properties props;  // v5 CONNECT properties
  std::optional<codec::will_message> will;
  std::optional<std::string> username;
  std::optional<codec::byte_buffer> password;
};

// make_connect builds the CONNECT packet for `v` from `o`.
codec::connect_packet make_connect(codec::protocol_version v, const connect_options& o);

// connect_session sends CONNECT for the client's version and expects a successful
// CONNACK (v5 reason 0x00, 3.1.1 return code 0) within `timeout`. `out` receives it.
::testing::AssertionResult connect_session(raw_client& c, const connect_options& o,
                                           codec::connack_packet* out = nullptr,
                                           std::chrono::milliseconds timeout = expect_timeout);
::testing::AssertionResult connect_v5(raw_client& c, const connect_options& o,
                                      codec::connack_packet* out = nullptr);
::testing::AssertionResult connect_v311(raw_client& c, const connect_options& o,
                                        codec::connack_packet* out = nullptr);

// subscribe sends one SUBSCRIBE and expects a SUBACK with the same packet identifier and
// a granted (below 0x80) reason code. `out` receives the SUBACK.
::testing::AssertionResult subscribe(raw_client& c, std::string filter,
                                     codec::subscribe_options opts = {},
                                     std::uint16_t packet_id = 1,
                                     codec::suback_packet* out = nullptr);
::testing::AssertionResult subscribe(raw_client& c, std::string filter, codec::qos q,
                                     std::uint16_t packet_id = 1);

// send_subscribe sends one SUBSCRIBE for `subscriptions` with `packet_id` and returns the
// answer as expect_ack waits for it (a PUBLISH that comes first is set aside).
received send_subscribe(raw_client& c, std::vector<codec::subscription> subscriptions,
                        std::uint16_t packet_id);

// send_unsubscribe sends one UNSUBSCRIBE for `filters` with `packet_id` and returns the
// answer as expect_ack waits for it (a PUBLISH that comes first is set aside).
received send_unsubscribe(raw_client& c, std::vector<std::string> filters,
                          std::uint16_t packet_id);

// make_publish builds a PUBLISH of `payload` on `topic`; the Packet Identifier is kept
// for QoS 1 and 2 only, as a QoS 0 PUBLISH has none.
codec::publish_packet make_publish(std::string topic, std::string_view payload,
                                   codec::qos q = codec::qos::at_most_once,
                                   std::uint16_t packet_id = 0, bool retain = false);

// publish sends `p` and completes its QoS handshake: nothing for QoS 0, PUBACK for QoS 1,
// PUBREC/PUBREL/PUBCOMP for QoS 2, each with a success reason code, each within `timeout`.
::testing::AssertionResult publish(raw_client& c, const codec::publish_packet& p,
                                   std::chrono::milliseconds timeout = expect_timeout);
::testing::AssertionResult publish(raw_client& c, std::string topic, std::string_view payload,
                                   codec::qos q = codec::qos::at_most_once, bool retain = false,
                                   std::uint16_t packet_id = 1);

// receive_publish expects a PUBLISH and, when `acknowledge`, completes its handshake as
// the receiver (PUBACK, or PUBREC then PUBREL→PUBCOMP). `out` receives the PUBLISH.
::testing::AssertionResult receive_publish(raw_client& c, codec::publish_packet* out,
                                           bool acknowledge = true,
                                           std::chrono::milliseconds timeout = expect_timeout);

// receive_publishes expects `n` PUBLISH packets, acknowledging each, and returns them in
// arrival order in `out`. The spec orders deliveries only "for the same Topic and QoS"
// (4.6), so a test that publishes to several topics compares what arrived as a set:
// topics_of(out) sorted, or find_topic.
::testing::AssertionResult receive_publishes(raw_client& c, std::size_t n,
                                             std::vector<codec::publish_packet>* out);
// sorted_topics lists the topics of `ps`, sorted (to compare deliveries across topics).
std::vector<std::string> sorted_topics(const std::vector<codec::publish_packet>& ps);
// find_topic returns the delivery on `topic`, or nullptr.
const codec::publish_packet* find_topic(const std::vector<codec::publish_packet>& ps,
                                        std::string_view topic);

// disconnect sends a normal DISCONNECT (0x00 in v5), waits up to 1 s for the broker to
// close, and closes the connection.
void disconnect(raw_client& c);

// closes_after_error expects the broker to close the connection, allowing before the
// close only a CONNACK or DISCONNECT that reports an error.
::testing::AssertionResult closes_after_error(raw_client& c,
                                              std::chrono::milliseconds timeout = close_timeout);

// refuses_subscription sends a SUBSCRIBE for `filter` and expects it refused: a SUBACK
// with a failure code (0x80 or above) for it, or a close (optionally after an error
// DISCONNECT). Used for filters the spec forbids.
::testing::AssertionResult refuses_subscription(raw_client& c, std::string filter,
                                                std::uint16_t packet_id = 1);

// mismatch formats the two report lines "  expected …\n  observed …".
std::string mismatch(std::string_view expected, const received& observed);
std::string mismatch(std::string_view expected, const close_observation& observed);
std::string mismatch(std::string_view expected, std::string_view observed);

// payload_bytes turns text into a payload.
codec::byte_buffer payload_bytes(std::string_view text);

}  // namespace mqtt::cert
