// s2_control_packet_format_checks.hpp: the Packet Identifier test bodies (3.1.1 2.3.1,
// v5.0 2.2.1) that are the same for both versions. The two specs number these statements
// differently, so each version's s2_control_packet_format_test.cpp keeps its own TEST_F
// that binds its ID, then calls the body here (last: a body's ASSERT ends the body only).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "conformance/harness/conformance_test.hpp"

namespace mqtt::cert {

template <typename VersionFixture>
class packet_format_checks : public VersionFixture {
 protected:
  // check_puback_echoes_packet_identifier sends a QoS 1 PUBLISH with Packet Identifier
  // 0x1234 and expects the PUBACK to carry 0x1234, as `expected` spells it.
  void check_puback_echoes_packet_identifier(std::string_view expected) {
    auto c = this->connect_client("pub");
    ASSERT_TRUE(c);
    codec::publish_packet p;
    p.topic = this->topic("ack");
    p.qos_level = codec::qos::at_least_once;
    p.packet_id = 0x1234;
    c->send_packet(p);
    auto r = c->expect_ack();
    const auto* ack = r.template as<codec::puback_packet>();
    EXPECT_TRUE(ack && ack->packet_id == 0x1234) << mismatch(expected, r);
  }

  // check_unsuback_echoes_packet_identifier unsubscribes `c` from topic("x") with Packet
  // Identifier 0x5678 and expects the UNSUBACK to carry 0x5678, as `expected` spells it.
  void check_unsuback_echoes_packet_identifier(raw_client& c, std::string_view expected) {
    auto r = send_unsubscribe(c, {this->topic("x")}, 0x5678);
    const auto* ua = r.template as<codec::unsuback_packet>();
    EXPECT_TRUE(ua && ua->packet_id == 0x5678) << mismatch(expected, r);
  }

  // publish_with_shared_identifiers has `pub` and `pub2` each publish three QoS 1
  // messages to `t` ("a1".."a3" and "b1".."b3") with Packet Identifiers 1 to 3, so a
  // receiver has six in flight whose publisher identifiers collide.
  static ::testing::AssertionResult publish_with_shared_identifiers(raw_client& pub,
                                                                    raw_client& pub2,
                                                                    const std::string& t) {
    for (std::uint16_t i = 1; i <= 3; ++i) {
      auto ok = publish(pub, t, "a" + std::to_string(i), codec::qos::at_least_once, false, i);
      if (ok) ok = publish(pub2, t, "b" + std::to_string(i), codec::qos::at_least_once, false, i);
      if (!ok) return ok;
    }
    return ::testing::AssertionSuccess();
  }
};

}  // namespace mqtt::cert
