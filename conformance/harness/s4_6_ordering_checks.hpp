// s4_6_ordering_checks.hpp: the 4.6 message ordering test body that is the same for both
// versions. Each version's s4_6_message_ordering_test.cpp keeps its own TEST_F that binds
// its ID, then calls the body here (last: a body's ASSERT ends the body only).
#pragma once

#include <cstdint>
#include <string>

#include "conformance/harness/conformance_test.hpp"

namespace mqtt::cert {

template <typename VersionFixture>
class ordering_checks : public VersionFixture {
 protected:
  // check_acknowledged_publishes_in_order publishes "0".."19" to topic("order") at QoS 1,
  // each acknowledged before the next (Packet Identifiers 1..20), and expects the
  // subscriber to receive them in that order; the first one out of order ends the check.
  void check_acknowledged_publishes_in_order() {
    const std::string t = this->topic("order");
    auto [sub, pub] = this->connect_pair(t, {.max_qos = codec::qos::at_least_once});
    ASSERT_TRUE(sub);
    constexpr int count = 20;
    for (int i = 0; i < count; ++i)
      ASSERT_TRUE(publish(*pub, t, std::to_string(i), codec::qos::at_least_once, false,
                          static_cast<std::uint16_t>(i + 1)));
    for (int i = 0; i < count; ++i) {
      codec::publish_packet got;
      ASSERT_TRUE(receive_publish(*sub, &got));
      EXPECT_EQ(got.payload, payload_bytes(std::to_string(i)))
          << "message " << i << " out of order";
      if (this->HasFailure()) return;  // the first message out of order says it
    }
  }
};

}  // namespace mqtt::cert
