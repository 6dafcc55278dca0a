// s3_9_suback_checks.hpp: the 3.9 SUBACK test body that is the same for both versions.
// Each version's s3_9_suback_test.cpp keeps its TEST_F, which binds the ID and asks the
// profile for QoS 2, then calls the body here (last: a body's ASSERT ends the body only).
#pragma once

#include <string>
#include <vector>

#include "conformance/harness/conformance_test.hpp"

namespace mqtt::cert {

template <typename VersionFixture>
class suback_checks : public VersionFixture {
 protected:
  // check_codes_follow_filter_order subscribes to three filters asking QoS 2, 0 and 1 and
  // expects the SUBACK to grant 2, 0, 1: the order of the filters.
  void check_codes_follow_filter_order() {
    auto c = this->connect_client("c");
    ASSERT_TRUE(c);
    codec::subscribe_packet s;
    s.packet_id = 6;
    const codec::qos order[] = {codec::qos::exactly_once, codec::qos::at_most_once,
                                codec::qos::at_least_once};
    for (int i = 0; i < 3; ++i) {
      codec::subscribe_options o;
      o.max_qos = order[i];
      s.subscriptions.push_back({this->topic("o" + std::to_string(i)), o});
    }
    c->send_packet(s);
    auto r = c->expect_ack();
    const auto* ack = r.template as<codec::suback_packet>();
    ASSERT_TRUE(ack) << mismatch("S→C SUBACK", r);
    // A v5 SUBACK carries a Property Length (00) before the codes.
    const char* want = codec::is_v5(this->version()) ? "S→C SUBACK 90 .. 0006 00 02 00 01"
                                                     : "S→C SUBACK 90 05 0006 02 00 01";
    EXPECT_EQ(ack->reasons, (std::vector<std::uint8_t>{2, 0, 1})) << mismatch(want, r);
  }
};

}  // namespace mqtt::cert
