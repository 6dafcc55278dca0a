// s3_8_subscribe_checks.hpp: the 3.8 SUBSCRIBE test bodies that are the same for both
// versions. The two specs number some of these statements differently, so each version's
// s3_8_subscribe_test.cpp keeps its own TEST_F that binds its ID, then calls the body here
// (last: a body's ASSERT ends the body only).
#pragma once

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "conformance/harness/conformance_test.hpp"

namespace mqtt::cert {

template <typename VersionFixture>
class subscribe_checks : public VersionFixture {
 protected:
  // check_every_subscribe_gets_suback sends three SUBSCRIBEs back to back and expects one
  // SUBACK for each packet identifier. Neither spec orders SUBACKs among themselves (the
  // ordering rules of 4.6 are about PUBLISH and its acknowledgements), so any order passes.
  void check_every_subscribe_gets_suback() {
    auto c = this->connect_client("c");
    ASSERT_TRUE(c);
    for (std::uint16_t id = 1; id <= 3; ++id) {
      codec::subscribe_packet s;
      s.packet_id = id;
      s.subscriptions.push_back({this->topic("f" + std::to_string(id)), {}});
      c->send_packet(s);
    }
    std::vector<std::uint16_t> answered;
    for (int i = 0; i < 3; ++i) {
      auto r = c->expect_ack();
      const auto* ack = r.template as<codec::suback_packet>();
      ASSERT_TRUE(ack) << mismatch("S→C SUBACK for packet ids 1, 2 and 3 (" +
                                       std::to_string(answered.size()) + " seen)",
                                   r);
      answered.push_back(ack->packet_id);
    }
    std::sort(answered.begin(), answered.end());
    EXPECT_EQ(answered, (std::vector<std::uint16_t>{1, 2, 3}))
        << "expected one SUBACK per SUBSCRIBE, for packet ids 1, 2 and 3 in any order";
  }

  // check_suback_reuses_packet_identifier subscribes with packet identifier 0xBEEF and
  // expects it back in the SUBACK.
  void check_suback_reuses_packet_identifier() {
    auto c = this->connect_client("c");
    ASSERT_TRUE(c);
    codec::suback_packet ack;
    ASSERT_TRUE(subscribe(*c, this->topic("x"), {}, 0xBEEF, &ack));
    EXPECT_EQ(ack.packet_id, 0xBEEF);
  }

  // check_same_filter_replaces_subscription subscribes to one filter at QoS 1, then again
  // at QoS 0: a QoS 1 message arrives once, at QoS 0.
  void check_same_filter_replaces_subscription() {
    const std::string t = this->topic("x");
    auto sub = this->connect_client("sub");
    ASSERT_TRUE(sub);
    ASSERT_TRUE(subscribe(*sub, t, codec::qos::at_least_once, 1));
    ASSERT_TRUE(subscribe(*sub, t, codec::qos::at_most_once, 2));
    auto pub = this->connect_client("pub");
    ASSERT_TRUE(pub);
    ASSERT_TRUE(publish(*pub, t, "once", codec::qos::at_least_once));
    codec::publish_packet got;
    ASSERT_TRUE(receive_publish(*sub, &got));
    EXPECT_EQ(got.qos_level, codec::qos::at_most_once)
        << "the replaced QoS 1 subscription delivered";
    auto r = sub->expect_no_packet();
    EXPECT_EQ(r.status, recv_status::timeout) << mismatch("exactly one copy", r);
  }

  // check_delivery_qos_is_minimum subscribes to topic(leaf) at `granted`, publishes
  // `payload` there at `published` and expects the delivery at the lower of the two.
  void check_delivery_qos_is_minimum(std::string_view leaf, codec::qos granted,
                                     codec::qos published, std::string_view payload) {
    const std::string t = this->topic(leaf);
    auto [sub, pub] = this->connect_pair(t, {.max_qos = granted});
    ASSERT_TRUE(sub);
    ASSERT_TRUE(publish(*pub, t, payload, published));
    codec::publish_packet got;
    ASSERT_TRUE(receive_publish(*sub, &got));
    EXPECT_EQ(got.qos_level, std::min(granted, published));
  }

  // check_suback_has_one_code_per_filter subscribes to four filters in one SUBSCRIBE and
  // expects four codes in the SUBACK.
  void check_suback_has_one_code_per_filter() {
    auto c = this->connect_client("c");
    ASSERT_TRUE(c);
    codec::subscribe_packet s;
    s.packet_id = 5;
    for (int i = 0; i < 4; ++i)
      s.subscriptions.push_back({this->topic("m" + std::to_string(i)), {}});
    c->send_packet(s);
    auto r = c->expect_ack();
    const auto* ack = r.template as<codec::suback_packet>();
    ASSERT_TRUE(ack) << mismatch("S→C SUBACK", r);
    // 3.1.1 calls them return codes, v5.0 reason codes.
    const char* want = codec::is_v5(this->version()) ? "SUBACK with 4 reason codes"
                                                     : "SUBACK with 4 return codes";
    EXPECT_EQ(ack->reasons.size(), 4U) << mismatch(want, r);
  }
};

}  // namespace mqtt::cert
