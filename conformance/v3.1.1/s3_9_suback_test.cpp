// 3.9 SUBACK: return codes in filter order, and only 0x00, 0x01, 0x02 or 0x80.
#include "conformance/harness/s3_9_suback_checks.hpp"
#include "conformance/v3.1.1/v311_session_test.hpp"

namespace codec = mqtt::codec;
using namespace mqtt::cert;

class V311Suback : public suback_checks<v311::session_test> {};

// [MQTT-3.9.3-1] Return codes follow the filter order.
TEST_F(V311Suback, SubackReturnCodesInFilterOrder) {
  statement("MQTT-3.9.3-1");
  MQTT_REQUIRE_FEATURE(profile().maximum_qos >= 2, "QoS 2");
  check_codes_follow_filter_order();
}

// [MQTT-3.9.3-2] Every SUBACK return code is 0x00, 0x01, 0x02 or 0x80: for each requested
// QoS, for a '$' filter and for wildcard filters.
TEST_F(V311Suback, ReturnCodesAreAllowedValues) {
  statement("MQTT-3.9.3-2");
  auto c = connect_client("c");
  ASSERT_TRUE(c);
  codec::subscribe_packet s;
  s.packet_id = 7;
  const std::string filters[] = {topic("a"), topic("b"), topic("c"), "$mqttcert/" + topic("d"),
                                 topic_prefix() + "/+", topic_prefix() + "/#"};
  int i = 0;
  for (const auto& f : filters) {
    codec::subscribe_options o;
    o.max_qos = static_cast<codec::qos>(i++ % 3);
    s.subscriptions.push_back({f, o});
  }
  c->send_packet(s);
  auto r = c->expect_ack();
  const auto* ack = r.as<codec::suback_packet>();
  ASSERT_TRUE(ack && ack->reasons.size() == 6) << mismatch("S→C SUBACK with 6 return codes", r);
  for (std::size_t k = 0; k < ack->reasons.size(); ++k) {
    const auto rc = ack->reasons[k];
    EXPECT_TRUE(rc == 0x00 || rc == 0x01 || rc == 0x02 || rc == 0x80)
        << "return code " << int(rc) << " for filter " << filters[k] << "\n"
        << mismatch("codes from {00, 01, 02, 80}", r);
  }
}
